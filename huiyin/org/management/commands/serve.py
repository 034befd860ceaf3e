"""`huiyin serve`: the production server (gunicorn), static files by whitenoise."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from huiyin.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve Huiyin with gunicorn (collects static files first)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args, bind: str, workers: int, no_collectstatic: bool, **options):
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Huiyin → http://{bind}/")
        self.stdout.flush()
        _Server(
            {
                "bind": bind,
                "workers": workers,
                "threads": 4,
                "timeout": 120,
                "accesslog": "-",
                # Paths only: a query string may hold a searched phone or ID number.
                "logger_class": "huiyin.privacy.logredact.AccessLogger",
            }
        ).run()
