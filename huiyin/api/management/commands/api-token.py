"""`huiyin api-token …`: service accounts and tokens, for the administrator.

    huiyin api-token service svc-12345 --system "12345热线" --role petition_clerk
    huiyin api-token service svc-court --system "区法院" --role mediator --scope write --days 180
    huiyin api-token new --user svc-12345 --name "2027年令牌" --scope write --days 365
    huiyin api-token list [--user NAME]
    huiyin api-token revoke 3f9a0c1d2e

A service account cannot sign in on the web; it holds exactly one role grant (the whole street,
or --community/--grid/--unit by name or id). A token is printed once; only its hash is kept.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from huiyin.api import tokens
from huiyin.api.models import ApiToken, Scope
from huiyin.org.models import Community, Grid, Unit
from huiyin.org.roles import Role
from huiyin.org.streets import add_street_argument, street_for_command


def _one(model, value: str, label: str):
    text = value.strip()
    lookup = Q(name=text)
    if text.isdigit():
        lookup |= Q(pk=int(text[:18]))
    found = list(model.objects.filter(lookup)[:2])
    if len(found) != 1:
        raise CommandError(_("No single %(what)s “%(value)s”.") % {"what": label, "value": value})
    return found[0]


class Command(BaseCommand):
    help = "Make service accounts and API tokens, list and revoke tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        service = sub.add_parser("service", help="a service account and its first token")
        service.add_argument("username")
        service.add_argument("--system", required=True, help="the other system's name")
        service.add_argument("--role", required=True, choices=Role.values)
        service.add_argument("--community")
        service.add_argument("--grid", help="a grid's id")
        service.add_argument("--unit")
        add_street_argument(service)
        service.add_argument("--scope", choices=Scope.values, default=Scope.READ)
        service.add_argument("--days", type=int, default=tokens.DEFAULT_DAYS)
        new = sub.add_parser("new", help="a token for an existing account")
        new.add_argument("--user", required=True)
        new.add_argument("--name", required=True)
        new.add_argument("--scope", choices=Scope.values, default=Scope.READ)
        new.add_argument("--days", type=int, default=tokens.DEFAULT_DAYS)
        listing = sub.add_parser("list", help="the tokens (never the tokens themselves)")
        listing.add_argument("--user")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, action: str, **options):
        getattr(self, f"do_{action}")(**options)

    def _token(self, owner, name: str, scope: str, days: int) -> None:
        try:
            token, secret = tokens.create_token(owner=owner, name=name, scope=scope, days=days)
        except tokens.TokenInvalid as exc:
            raise CommandError(
                "; ".join(str(m) for messages in exc.errors.values() for m in messages)
            ) from None
        self.stdout.write(
            _("Token %(prefix)s for %(user)s, %(scope)s, valid until %(date)s (shown once):")
            % {
                "prefix": token.prefix,
                "user": owner.get_username(),
                "scope": token.get_scope_display(),
                "date": timezone.localdate(token.expires_at).isoformat(),
            }
        )
        self.stdout.write(secret)

    def do_service(
        self, *, username, system, role, community, grid, unit, scope, days, street=None, **_kw
    ):
        if get_user_model().objects.filter(username=username).exists():
            raise CommandError(_("The account “%(user)s” exists already.") % {"user": username})
        places = [p for p in (community, grid, unit) if p]
        if len(places) > 1:
            raise CommandError(_("Give at most one of --community, --grid, --unit."))
        # A whole-street grant names its street (the only one, or --street among several).
        whole = street_for_command(street) if not places else None
        grant = tokens.ServiceGrant(
            role,
            street_id=whole.pk if whole is not None else None,
            community_id=_one(Community, community, _("community")).pk if community else None,
            grid_id=_one(Grid, grid, _("grid")).pk if grid else None,
            unit_id=_one(Unit, unit, _("unit")).pk if unit else None,
        )
        account = tokens.create_service_account(username=username, system=system, grant=grant)
        self.stdout.write(
            _("Service account %(user)s (%(system)s) made.")
            % {"user": username, "system": account.system}
        )
        self._token(account.user, system[: tokens.MAX_NAME], scope, days)

    def do_new(self, *, user, name, scope, days, **_kw):
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None:
            raise CommandError(_("No account “%(user)s”.") % {"user": user})
        self._token(owner, name, scope, days)

    def do_list(self, *, user=None, **_kw):
        rows = ApiToken.objects.select_related("owner").order_by("owner__username", "-created_at")
        if user:
            rows = rows.filter(owner__username=user)
        now = timezone.now()
        for token in rows:
            state = (
                _("revoked")
                if token.revoked
                else (_("expired") if token.expired(now) else _("active"))
            )
            used = (
                timezone.localtime(token.last_used_at).strftime("%Y-%m-%d %H:%M")
                if token.last_used_at
                else "—"
            )
            self.stdout.write(
                f"{token.prefix}  {token.owner.get_username()}  {token.name}  {token.scope}  "
                f"{timezone.localdate(token.expires_at).isoformat()}  {used}  {state}"
            )

    def do_revoke(self, *, prefix, **_kw):
        token = ApiToken.objects.filter(prefix=prefix.strip()[:16]).first()
        if token is None:
            raise CommandError(_("No token with the prefix “%(prefix)s”.") % {"prefix": prefix})
        if tokens.revoke(token, actor=None):
            self.stdout.write(_("Revoked %(prefix)s.") % {"prefix": token.prefix})
        else:
            self.stdout.write(_("%(prefix)s was revoked already.") % {"prefix": token.prefix})
