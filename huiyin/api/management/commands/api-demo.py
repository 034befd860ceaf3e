"""`huiyin api-demo [--url URL] (--token TOKEN | --user USERNAME)`: the API used as another
system would — over HTTP, with a token — registering a petition, accepting and assigning it,
and reading the month's statistics.

    huiyin demo                                 # in one terminal: the demo street on :8000
    huiyin api-demo --user clerk                # in another: a token for the demo clerk,
                                                # made for the run and revoked after it
    huiyin api-demo --url https://huiyin.example --token hy_…   # any server, any token

Only the standard library speaks HTTP here, so the steps read like any client's. Exit status 1
when a step is refused (its problem's title and detail are printed).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from huiyin.api import tokens

TIMEOUT = 30


class Refused(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(status)
        self.status, self.body = status, body


class Client:
    def __init__(self, base: str, token: str):
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method: str, path: str, body=None, *, if_match: str | None = None):
        """(status, headers, JSON body) of one call; Refused for a 4xx/5xx."""
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept-Language", "zh-hans")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if if_match:
            request.add_header("If-Match", if_match)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                return response.status, response.headers, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            try:
                problem = json.loads(error.read() or b"{}")
            except ValueError:
                problem = {}
            raise Refused(error.code, problem) from None


def case_path(number: str, rest: str = "") -> str:
    return f"/api/v1/cases/{urllib.parse.quote(number)}{rest}"


class Command(BaseCommand):
    help = "Register a petition, assign it and read the statistics through the API, with a token."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the Huiyin server")
        parser.add_argument("--token", help="an API token (or HUIYIN_API_TOKEN)")
        parser.add_argument(
            "--user", help="make a token for this account for the run (revoked afterwards)"
        )

    def handle(self, *args, url: str, token: str | None, user: str | None, **options):
        token = token or os.environ.get("HUIYIN_API_TOKEN")
        made = None
        if not token:
            if not user:
                raise CommandError(_("Give --token (or HUIYIN_API_TOKEN) or --user."))
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(_("No account “%(user)s”.") % {"user": user})
            made, token = tokens.create_token(owner=account, name="api-demo", scope="write", days=1)
        try:
            self.run(Client(url, token))
        except Refused as refused:
            self.stderr.write(
                _("Refused (%(status)s): %(title)s — %(detail)s")
                % {
                    "status": refused.status,
                    "title": refused.body.get("title", ""),
                    "detail": refused.body.get("detail", ""),
                }
            )
            for error in refused.body.get("errors", []):
                self.stderr.write(f"  {error.get('field')}: {error.get('detail')}")
            raise SystemExit(1) from None
        except urllib.error.URLError as error:
            raise CommandError(
                _("Cannot reach %(url)s: %(reason)s") % {"url": url, "reason": error.reason}
            ) from None
        finally:
            if made is not None:
                tokens.revoke(made, actor=made.owner)

    def say(self, text: str) -> None:
        self.stdout.write(text)

    def run(self, api: Client) -> None:
        _status, _headers, communities = api.call("GET", "/api/v1/reference/communities")
        _status, _headers, units = api.call("GET", "/api/v1/reference/units")
        if not communities or not units:
            raise CommandError(_("The server has no communities or units yet (huiyin demo)."))
        community = communities[0]
        unit = next((u for u in units if u["kind"] == "office_department"), units[0])

        petition = {
            "title": "小区停车位划分引发邻里矛盾",
            "description": "居民反映物业擅自划分公共车位，要求重新协商。（接口演示）",
            "channel": "visit",
            "community": community["id"],
            "petitioners": [{"name": "林晓", "phone": "13800138000", "is_representative": True}],
        }
        _status, headers, created = api.call("POST", "/api/v1/petitions", petition)
        number = created["number"]
        self.say(
            _("1. Registered %(number)s in %(community)s (receipt code %(code)s).")
            % {"number": number, "community": community["name"], "code": created["receipt_code"]}
        )

        _status, headers, case = api.call(
            "POST", case_path(number, "/transitions/accept"), {}, if_match=headers["ETag"]
        )
        self.say(_("2. Accepted: %(status)s.") % {"status": case["status_label"]})

        _status, headers, case = api.call(
            "POST",
            case_path(number, "/transitions/assign"),
            {"unit": unit["id"], "note": "请于五个工作日内联系信访人（接口演示）"},
            if_match=headers["ETag"],
        )
        self.say(
            _("3. Assigned to %(unit)s: %(status)s (version %(version)s).")
            % {"unit": unit["name"], "status": case["status_label"], "version": case["version"]}
        )

        _status, _headers, figures = api.call("GET", "/api/v1/stats")
        petitions = figures["petitions"]
        self.say(
            _(
                "4. Statistics %(start)s to %(end)s: %(batches)s petitions, %(headcount)s "
                "person-times; %(accepted)s accepted."
            )
            % {
                "start": figures["period"]["start"],
                "end": figures["period"]["end"],
                "batches": petitions["batches"],
                "headcount": petitions["headcount"],
                "accepted": petitions["accepted"],
            }
        )
