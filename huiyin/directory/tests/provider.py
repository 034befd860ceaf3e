"""A small OpenID Connect provider on loopback, for the tests: the authorization-code flow.

Enough of a provider to drive mozilla-django-oidc through real HTTP: /authorize answers at
once for the person the test "signed in" there (no page), /token checks the client, the code,
the redirect address and the PKCE verifier and issues an ID token signed with an RSA key made
for the run, /userinfo answers for the access token, /jwks publishes the public key.
`tamper` lets a test spoil one part of the ID token (the nonce, the audience, the issuer,
the signing key) to see that Huiyin refuses it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "huiyin-test"
CLIENT_SECRET = "test-client-secret-0123456789"  # noqa: S105
KID = "test-key-1"


class Provider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.person: dict | None = None  # the claims of whoever is signed in at the provider
        self.groups_in = "userinfo"  # or "id_token"
        self.tamper: str = ""  # "nonce", "audience", "issuer", "key", "userinfo_sub"
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.provider = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def env(self) -> dict[str, str]:
        """The variables that point Huiyin at this provider."""
        return {
            "HUIYIN_OIDC_CLIENT_ID": CLIENT_ID,
            "HUIYIN_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "HUIYIN_OIDC_ISSUER": self.issuer,
            "HUIYIN_OIDC_AUTHORIZATION_URL": f"{self.issuer}/authorize",
            "HUIYIN_OIDC_TOKEN_URL": f"{self.issuer}/token",
            "HUIYIN_OIDC_USERINFO_URL": f"{self.issuer}/userinfo",
            "HUIYIN_OIDC_JWKS_URL": f"{self.issuer}/jwks",
            "HUIYIN_OIDC_TIMEOUT": "5",
        }

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the endpoints' work --------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return 400, {}, b"bad client or response type"
        if "openid" not in query.get("scope", "").split() or not query.get("redirect_uri"):
            return 400, {}, b"no openid scope or redirect_uri"
        if self.person is None:
            return 400, {}, b"nobody is signed in at the provider"
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "person": dict(self.person),
            "nonce": query.get("nonce"),
            "redirect_uri": query["redirect_uri"],
            "challenge": query.get("code_challenge"),
            "method": query.get("code_challenge_method"),
        }
        back = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
        return 302, {"Location": back}, b""

    def token(self, form: dict[str, str], basic: str | None) -> tuple[int, dict, bytes]:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if basic:
            client_id, _, secret = base64.b64decode(basic).decode().partition(":")
        if client_id != CLIENT_ID or secret != CLIENT_SECRET:
            return _json(401, {"error": "invalid_client"})
        grant = self.codes.pop(form.get("code", ""), None)  # a code is good once
        if form.get("grant_type") != "authorization_code" or grant is None:
            return _json(400, {"error": "invalid_grant"})
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return _json(400, {"error": "invalid_grant", "error_description": "redirect_uri"})
        if grant["challenge"]:
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if grant["method"] != "S256" or expected != grant["challenge"]:
                return _json(400, {"error": "invalid_grant", "error_description": "PKCE"})
        person = grant["person"]
        now = int(time.time())
        claims = {
            "iss": self.issuer if self.tamper != "issuer" else "http://127.0.0.1:1",
            "sub": person["sub"],
            "aud": CLIENT_ID if self.tamper != "audience" else "someone-else",
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"] if self.tamper != "nonce" else "not-the-nonce",
        }
        if self.groups_in == "id_token" and "groups" in person:
            claims["groups"] = person["groups"]
        key = self.key if self.tamper != "key" else self.other_key
        id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})
        access = secrets.token_urlsafe(24)
        info = {k: v for k, v in person.items() if k != "groups" or self.groups_in == "userinfo"}
        if self.tamper == "userinfo_sub":
            info["sub"] = "somebody-else"
        self.tokens[access] = info
        return _json(
            200,
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            },
        )

    def userinfo(self, authorization: str) -> tuple[int, dict, bytes]:
        scheme, _, access = authorization.partition(" ")
        info = self.tokens.get(access) if scheme == "Bearer" else None
        if info is None:
            return _json(401, {"error": "invalid_token"})
        return _json(200, info)

    def jwks(self) -> tuple[int, dict, bytes]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": KID, "alg": "RS256", "use": "sig"})
        return _json(200, {"keys": [jwk]})


def _json(status: int, body: dict) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (quiet in the test output)
        pass

    def _answer(self, result: tuple[int, dict, bytes]) -> None:
        status, headers, body = result
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        provider: Provider = self.server.provider  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        provider.requests.append(parts.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/authorize":
            return self._answer(provider.authorize(query))
        if parts.path == "/userinfo":
            return self._answer(provider.userinfo(self.headers.get("Authorization", "")))
        if parts.path == "/jwks":
            return self._answer(provider.jwks())
        return self._answer((404, {}, b"not found"))

    def do_POST(self):  # noqa: N802
        provider: Provider = self.server.provider  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        provider.requests.append(parts.path)
        length = min(int(self.headers.get("Content-Length") or 0), 65536)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if parts.path == "/token":
            authorization = self.headers.get("Authorization", "")
            basic = authorization[6:] if authorization.startswith("Basic ") else None
            return self._answer(provider.token(form, basic))
        return self._answer((404, {}, b"not found"))
