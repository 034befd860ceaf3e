"""Sign-in through the office's directory: the environment, read once by settings.py.

Two directories, each optional and each on only when its variables are set: LDAP
(django-auth-ldap, `HUIYIN_LDAP_URL`) and OpenID Connect (mozilla-django-oidc,
`HUIYIN_OIDC_CLIENT_ID`). Both share one mapping from the directory's groups to Huiyin's roles
and scopes, `HUIYIN_DIRECTORY_GROUPS`:

    hy-clerks=petition_clerk; hy-gzy=community_worker:community:柑子园社区;
    hy-grid1=grid_worker:grid:柑子园社区/第1网格; hy-cjb=department_handler:unit:城建办

No scope is the whole street (street:<name> where one database serves several streets).
One entry per grant, separated by ";" or a new line (`HUIYIN_DIRECTORY_GROUPS_FILE` names a
file with one per line; "#" starts a comment line). A group may give several grants.

Everything is checked here, at start-up: a malformed variable stops `huiyin` with one line
naming it (ConfigError), never a traceback at somebody's first sign-in. Whether a named
community, grid or unit exists is a question for the database: `huiyin check --database`
(and every `migrate`) asks it (huiyin/directory/checks.py).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from huiyin.env import ConfigError, envbool, envint, envstr
from huiyin.org.roles import Role

LDAP_BACKEND = "huiyin.directory.backends.LDAPBackend"
OIDC_BACKEND = "huiyin.directory.backends.OIDCBackend"

GROUPS_VAR = "HUIYIN_DIRECTORY_GROUPS"
# Bounds: no office has more groups than this, and a longer name is a mistake.
MAX_RULES = 500
MAX_GROUP = 200
# The names' own limits in huiyin/org/models.py.
MAX_STREET = 50
MAX_COMMUNITY = 50
MAX_GRID = 50
MAX_UNIT = 80
MAX_URL = 2000
MAX_LABEL = 40

STREET, COMMUNITY, GRID, UNIT = "street", "community", "grid", "unit"
SCOPES = (STREET, COMMUNITY, GRID, UNIT)

LDAP_GROUP_TYPES = ("groupOfNames", "groupOfUniqueNames", "posixGroup", "activeDirectory")
OIDC_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")


@dataclass(frozen=True)
class GroupRule:
    """One grant that membership of a directory group gives."""

    group: str
    role: str
    scope: str = STREET
    # The place's name: (community,), (community, grid), (unit,), or (street,) when one
    # database serves several streets; empty for the (only) street.
    place: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The group as compared: directories differ in case, so case is not significant."""
        return self.group.casefold()

    def describe(self) -> str:
        """The entry as written in the variable (for messages and the checks)."""
        if self.scope == STREET and not self.place:
            return f"{self.group}={self.role}"
        return f"{self.group}={self.role}:{self.scope}:{'/'.join(self.place)}"


@dataclass(frozen=True)
class Directory:
    """What settings.py needs: the backends to add, the libraries' settings, the mapping."""

    rules: tuple[GroupRule, ...] = ()
    ldap: bool = False
    oidc: bool = False
    oidc_label: str = ""
    oidc_groups_claim: str = "groups"
    oidc_username_claim: str = "preferred_username"
    oidc_name_claim: str = "name"
    oidc_issuer: str = ""
    ldap_name_attr: str = "cn"
    ldap_email_attr: str = "mail"
    library_settings: dict = field(default_factory=dict)

    @property
    def backends(self) -> list[str]:
        return [b for b, on in ((LDAP_BACKEND, self.ldap), (OIDC_BACKEND, self.oidc)) if on]

    @property
    def enabled(self) -> bool:
        return self.ldap or self.oidc


# --------------------------------------------------------------------------- the mapping


def parse_groups(text: str, name: str = GROUPS_VAR) -> tuple[GroupRule, ...]:
    """`group=role[:scope:place]` entries, separated by ";" or new lines; ConfigError if bad."""
    entries = [
        e.strip()
        for line in text.splitlines()
        if not line.strip().startswith("#")
        for e in line.split(";")
    ]
    entries = [e for e in entries if e]
    if len(entries) > MAX_RULES:
        raise ConfigError(f"{name} has {len(entries)} entries; at most {MAX_RULES} are read")
    rules: list[GroupRule] = []
    for number, entry in enumerate(entries, start=1):
        rule = _parse_rule(entry, number, name)
        if rule not in rules:
            rules.append(rule)
    return tuple(rules)


def _parse_rule(entry: str, number: int, name: str) -> GroupRule:
    shown = entry if len(entry) <= 80 else entry[:79] + "…"
    where = f"{name}, entry {number} ({shown!r})"
    group, sep, grant = entry.partition("=")
    group = group.strip()
    if not sep or not group:
        raise ConfigError(
            f"{where}: write group=role[:scope], e.g. hy-clerks=petition_clerk or "
            "hy-gzy=community_worker:community:柑子园社区"
        )
    if len(group) > MAX_GROUP:
        raise ConfigError(f"{where}: a group name has at most {MAX_GROUP} characters")
    role, _, scope = (part.strip() for part in grant.partition(":"))
    if role not in Role.values:
        raise ConfigError(f"{where}: unknown role {role!r}; roles are " + ", ".join(Role.values))
    if not scope:
        return GroupRule(group, role)
    kind, _, place = (part.strip() for part in scope.partition(":"))
    if kind not in SCOPES:
        raise ConfigError(
            f"{where}: unknown scope {kind!r}; write community:<name>, "
            "grid:<community>/<grid>, unit:<name> or street:<name>"
        )
    if kind == STREET:
        # A name only where one database serves several streets.
        if not place:
            return GroupRule(group, role)
        _bounded(where, place, MAX_STREET)
        return GroupRule(group, role, STREET, (place,))
    if kind == GRID:
        community, slash, grid = (part.strip() for part in place.partition("/"))
        if not slash or not community or not grid:
            raise ConfigError(f"{where}: a grid is written grid:<community>/<grid>")
        _bounded(where, community, MAX_COMMUNITY)
        _bounded(where, grid, MAX_GRID)
        return GroupRule(group, role, GRID, (community, grid))
    if not place:
        raise ConfigError(f"{where}: the {kind} scope needs a name, {kind}:<name>")
    _bounded(where, place, MAX_COMMUNITY if kind == COMMUNITY else MAX_UNIT)
    return GroupRule(group, role, kind, (place,))


def _bounded(where: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise ConfigError(f"{where}: the name {text[:20]!r}… is longer than {limit} characters")


# --------------------------------------------------------------------------- reading it all


def load() -> Directory:
    """The directory settings from the environment; ConfigError on anything malformed."""
    ldap_url = (envstr("HUIYIN_LDAP_URL", "") or "").strip()
    client_id = (envstr("HUIYIN_OIDC_CLIENT_ID", "") or "").strip()
    text = envstr(GROUPS_VAR, "") or ""
    rules = parse_groups(text)
    if not ldap_url and not client_id:
        if rules:
            raise ConfigError(
                f"{GROUPS_VAR} is set but no directory is: set HUIYIN_LDAP_URL or "
                "HUIYIN_OIDC_CLIENT_ID (or remove it)"
            )
        return Directory()
    if not rules:
        raise ConfigError(
            f"{GROUPS_VAR} must map at least one directory group to a role "
            "(e.g. hy-clerks=petition_clerk): without it nobody could sign in through the directory"
        )
    values: dict = {}
    parts: dict = {"rules": rules}
    if ldap_url:
        values.update(_ldap_settings(ldap_url))
        parts.update(
            ldap=True,
            ldap_name_attr=_attribute("HUIYIN_LDAP_NAME_ATTR", "cn"),
            ldap_email_attr=_attribute("HUIYIN_LDAP_EMAIL_ATTR", "mail"),
        )
    if client_id:
        values.update(_oidc_settings(client_id))
        label = (envstr("HUIYIN_OIDC_LABEL", "") or "").strip()
        if len(label) > MAX_LABEL:
            raise ConfigError(f"HUIYIN_OIDC_LABEL has at most {MAX_LABEL} characters")
        parts.update(
            oidc=True,
            oidc_label=label,
            oidc_issuer=values.pop("_issuer"),
            oidc_groups_claim=_claim("HUIYIN_OIDC_GROUPS_CLAIM", "groups"),
            oidc_username_claim=_claim("HUIYIN_OIDC_USERNAME_CLAIM", "preferred_username"),
            oidc_name_claim=_claim("HUIYIN_OIDC_NAME_CLAIM", "name"),
        )
    return Directory(library_settings=values, **parts)


def _timeout(name: str) -> int:
    seconds = envint(name, 10, minimum=1)
    if seconds > 120:
        raise ConfigError(f"{name} must be at most 120 seconds; got {seconds}")
    return seconds


def _attribute(name: str, default: str) -> str:
    value = (envstr(name, default) or default).strip()
    if not value or len(value) > 64 or not all(c.isalnum() or c in "-;" for c in value):
        raise ConfigError(f"{name} must be an LDAP attribute name such as {default}; got {value!r}")
    return value


def _claim(name: str, default: str) -> str:
    value = (envstr(name, default) or default).strip()
    if not value or len(value) > 64 or any(c.isspace() for c in value):
        raise ConfigError(f"{name} must be a claim name such as {default}; got {value!r}")
    return value


def _file(name: str) -> str:
    path = (envstr(name, "") or "").strip()
    if path and not Path(path).is_file():
        raise ConfigError(f"{name}: no file at {path}")
    return path


# --------------------------------------------------------------------------- LDAP


def _ldap_settings(url: str) -> dict:
    try:
        import ldap
        from django_auth_ldap import config as ldap_config
        from ldap import dn as ldap_dn
    except ImportError:
        raise ConfigError(
            "HUIYIN_LDAP_URL is set but django-auth-ldap is not installed: "
            "pip install 'huiyin[ldap]' (building python-ldap needs Debian's "
            "libldap2-dev and libsasl2-dev)"
        ) from None

    uris = url.split()
    if len(url) > MAX_URL or not all(u.startswith(("ldap://", "ldaps://")) for u in uris):
        raise ConfigError(
            f"HUIYIN_LDAP_URL must be ldap://host[:port] or ldaps://host[:port]; got {url!r}"
        )

    def dn(name: str, *, required: bool) -> str:
        value = (envstr(name, "") or "").strip()
        if not value:
            if required:
                raise ConfigError(f"{name} is required with HUIYIN_LDAP_URL")
            return ""
        if len(value) > 1000 or not ldap_dn.is_dn(value):
            raise ConfigError(f"{name} must be a DN such as ou=people,dc=example,dc=org")
        return value

    user_base = dn("HUIYIN_LDAP_USER_BASE", required=True)
    group_base = dn("HUIYIN_LDAP_GROUP_BASE", required=True)
    bind_dn = dn("HUIYIN_LDAP_BIND_DN", required=False)
    bind_password = envstr("HUIYIN_LDAP_BIND_PASSWORD", "") or ""
    if bind_password and not bind_dn:
        raise ConfigError("HUIYIN_LDAP_BIND_PASSWORD is set but HUIYIN_LDAP_BIND_DN is not")

    user_filter = (envstr("HUIYIN_LDAP_USER_FILTER", "(uid=%(user)s)") or "").strip()
    try:
        sample = user_filter % {"user": "x"}
    except (KeyError, ValueError, TypeError):
        sample = ""
    if (
        len(user_filter) > 500
        or "%(user)s" not in user_filter
        or not (sample.startswith("(") and sample.endswith(")"))
    ):
        raise ConfigError(
            "HUIYIN_LDAP_USER_FILTER must be an LDAP filter with %(user)s in it, such as "
            "(uid=%(user)s) or (sAMAccountName=%(user)s)"
        )

    group_type = (envstr("HUIYIN_LDAP_GROUP_TYPE", "groupOfNames") or "").strip()
    if group_type not in LDAP_GROUP_TYPES:
        raise ConfigError("HUIYIN_LDAP_GROUP_TYPE must be one of " + ", ".join(LDAP_GROUP_TYPES))
    types = {
        "groupOfNames": (ldap_config.GroupOfNamesType, "groupOfNames"),
        "groupOfUniqueNames": (ldap_config.GroupOfUniqueNamesType, "groupOfUniqueNames"),
        "posixGroup": (ldap_config.PosixGroupType, "posixGroup"),
        "activeDirectory": (ldap_config.NestedActiveDirectoryGroupType, "group"),
    }
    kind, object_class = types[group_type]

    timeout = _timeout("HUIYIN_LDAP_TIMEOUT")
    options = {
        ldap.OPT_NETWORK_TIMEOUT: timeout,
        ldap.OPT_TIMEOUT: timeout,
        # Active Directory's referrals would send the bind to another server, anonymously.
        ldap.OPT_REFERRALS: 0,
    }
    ca_file = _file("HUIYIN_LDAP_CA_FILE")
    if ca_file:
        options[ldap.OPT_X_TLS_CACERTFILE] = ca_file
        options[ldap.OPT_X_TLS_REQUIRE_CERT] = ldap.OPT_X_TLS_DEMAND
        options[ldap.OPT_X_TLS_NEWCTX] = 0  # last: applies the TLS options above
    return {
        "AUTH_LDAP_SERVER_URI": " ".join(uris),
        "AUTH_LDAP_START_TLS": envbool("HUIYIN_LDAP_START_TLS", False),
        "AUTH_LDAP_BIND_DN": bind_dn,
        "AUTH_LDAP_BIND_PASSWORD": bind_password,
        "AUTH_LDAP_USER_SEARCH": ldap_config.LDAPSearch(user_base, ldap.SCOPE_SUBTREE, user_filter),
        "AUTH_LDAP_GROUP_SEARCH": ldap_config.LDAPSearch(
            group_base, ldap.SCOPE_SUBTREE, f"(objectClass={object_class})"
        ),
        "AUTH_LDAP_GROUP_TYPE": kind(name_attr="cn"),
        # Names and addresses are copied by huiyin.directory.services, bounded.
        "AUTH_LDAP_USER_ATTR_MAP": {},
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        # Groups are read afresh at every sign-in: a change in the directory counts at once.
        "AUTH_LDAP_CACHE_TIMEOUT": 0,
        "AUTH_LDAP_FIND_GROUP_PERMS": False,
        "AUTH_LDAP_CONNECTION_OPTIONS": options,
    }


# --------------------------------------------------------------------------- OpenID Connect


def _url(name: str, *, required: bool = True) -> str:
    value = (envstr(name, "") or "").strip()
    if not value:
        if required:
            raise ConfigError(f"{name} is required with HUIYIN_OIDC_CLIENT_ID")
        return ""
    parts = urlsplit(value)
    if len(value) > MAX_URL or parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{name} must be an https:// address; got {value!r}")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        # The client secret and the tokens travel on these: plain HTTP only on this machine.
        raise ConfigError(f"{name} must be https:// (http:// only for this machine); got {value!r}")
    return value


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _oidc_settings(client_id: str) -> dict:
    if len(client_id) > 255:
        raise ConfigError("HUIYIN_OIDC_CLIENT_ID has at most 255 characters")
    secret = envstr("HUIYIN_OIDC_CLIENT_SECRET", "") or ""
    if not secret:
        raise ConfigError("HUIYIN_OIDC_CLIENT_SECRET is required with HUIYIN_OIDC_CLIENT_ID")
    issuer = _url("HUIYIN_OIDC_ISSUER")
    algorithm = (envstr("HUIYIN_OIDC_SIGN_ALGO", "RS256") or "").strip()
    if algorithm not in OIDC_ALGORITHMS:
        raise ConfigError("HUIYIN_OIDC_SIGN_ALGO must be one of " + ", ".join(OIDC_ALGORITHMS))
    scopes = " ".join((envstr("HUIYIN_OIDC_SCOPES", "openid profile email") or "").split())
    if "openid" not in scopes.split() or len(scopes) > 500:
        raise ConfigError("HUIYIN_OIDC_SCOPES must be a space-separated list including openid")
    token_auth = (envstr("HUIYIN_OIDC_TOKEN_AUTH", "post") or "").strip()
    if token_auth not in ("post", "basic"):
        raise ConfigError("HUIYIN_OIDC_TOKEN_AUTH must be post or basic")
    ca_file = _file("HUIYIN_OIDC_CA_FILE")
    return {
        "_issuer": issuer,
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": secret,
        "OIDC_OP_AUTHORIZATION_ENDPOINT": _url("HUIYIN_OIDC_AUTHORIZATION_URL"),
        "OIDC_OP_TOKEN_ENDPOINT": _url("HUIYIN_OIDC_TOKEN_URL"),
        "OIDC_OP_USER_ENDPOINT": _url("HUIYIN_OIDC_USERINFO_URL"),
        "OIDC_OP_JWKS_ENDPOINT": _url("HUIYIN_OIDC_JWKS_URL"),
        "OIDC_RP_SIGN_ALGO": algorithm,
        "OIDC_RP_SCOPES": scopes,
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": envbool("HUIYIN_OIDC_PKCE", True),
        "OIDC_TOKEN_USE_BASIC_AUTH": token_auth == "basic",  # noqa: S105  (a method, not a secret)
        # requests' `verify`: a CA bundle's path, or True.
        "OIDC_VERIFY_SSL": ca_file or True,
        "OIDC_TIMEOUT": _timeout("HUIYIN_OIDC_TIMEOUT"),
        "OIDC_CREATE_USER": True,
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "oidc_authentication_callback",
        "LOGIN_REDIRECT_URL_FAILURE": "login",
    }
