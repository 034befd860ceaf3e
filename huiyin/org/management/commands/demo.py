"""`huiyin demo`: data dir, database, demo street, and a server on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import os
import secrets

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from huiyin.org import demo


def _password() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "hy-" + "".join(secrets.choice(alphabet) for _ in range(10))


def demo_loaders():
    """Each Huiyin app may have a `demo` module with `load(stdout)`; run them in app order."""
    for config in apps.get_app_configs():
        if not config.name.startswith("huiyin.") or config.name == "huiyin.org":
            continue
        module_name = f"{config.name}.demo"
        if importlib.util.find_spec(module_name) is not None:
            module = importlib.import_module(module_name)
            if hasattr(module, "load"):
                yield module.load


class Command(BaseCommand):
    help = "Create the data dir and database, load the demo street once, and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--password", help="password for every demo account")
        parser.add_argument("--no-serve", action="store_true", help="load, but do not serve")
        parser.add_argument(
            "--streets",
            default="1",
            metavar="N",
            help=_("how many streets of one district to load (1 or 2; the first is the default)"),
        )

    def handle(
        self, *args, port: int, password: str | None, no_serve: bool, streets="1", **options
    ):
        if password is not None and len(password) < 8:
            raise CommandError(_("The demo password needs at least 8 characters."))
        count = str(streets).strip()
        if count not in {str(n) for n in range(1, demo.MAX_STREETS + 1)}:
            raise CommandError(
                _("--streets takes a number from 1 to %(most)d.") % {"most": demo.MAX_STREETS}
            )
        point_links_at(port)
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        created = demo.load_organisation()
        if created:
            self.stdout.write(_("Demo street %(name)s created.") % {"name": demo.STREET})
        password = password or _password()
        accounts = demo.load_accounts(password, avoid_names=_names_in_speech())
        for load in demo_loaders():
            load(self.stdout)
        if int(count) > 1:
            second, more = demo.load_second_street(password, avoid_names=_names_in_speech())
            made = demo.load_second_street_matters(second)
            self.stdout.write(
                _("Second street %(name)s loaded (%(count)d new matters).")
                % {"name": second.name, "count": made}
            )
            accounts += more
        # Reminders for the demo's due and overdue matters, as cron would have made them.
        call_command("tick", stdout=self.stdout)
        self.stdout.write("")
        self.stdout.write(_("Sign in at http://127.0.0.1:%(port)d/ with:") % {"port": port})
        for username, role in accounts:
            self.stdout.write(f"  {username:<12} {role}")
        self.stdout.write(_("Password for every account: %(pw)s") % {"pw": password})
        self.stdout.write("")
        if not no_serve:
            call_command("serve", bind=f"127.0.0.1:{port}")


def point_links_at(port: int) -> None:
    """The links of the demo's mails (the reminders' digest) start with the address the demo
    serves, unless HUIYIN_BASE_URL says otherwise; the server it starts reads it too."""
    if os.environ.get("HUIYIN_BASE_URL"):
        return
    url = f"http://127.0.0.1:{port}"
    os.environ["HUIYIN_BASE_URL"] = url
    settings.HUIYIN_BASE_URL = url


def _names_in_speech() -> set[str]:
    # Real people named in the source speech must never appear in made-up data.
    return {"熊异安"}
