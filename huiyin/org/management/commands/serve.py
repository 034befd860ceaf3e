"""`huiyin serve`: the production server (gunicorn), static files by whitenoise."""

from __future__ import annotations

import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication
from gunicorn.http import wsgi as gunicorn_wsgi

_default_headers = gunicorn_wsgi.Response.default_headers


def _headers_without_banner(response) -> list[str]:
    return [line for line in _default_headers(response) if not line.lower().startswith("server:")]


def hide_server_banner(worker=None) -> None:
    """No ``Server: gunicorn`` line: it tells a scanner which server (and which bugs) to try.

    gunicorn writes that line itself (``Response.default_headers``), with no setting to turn it
    off; this leaves it out. Applied in the arbiter before workers fork, and again in each worker
    (``post_worker_init``), so a reloaded worker has it too. nginx in front: ``server_tokens off``.
    """
    gunicorn_wsgi.Response.default_headers = _headers_without_banner


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)
        hide_server_banner()

    def load(self):
        from huiyin.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve Huiyin with gunicorn (collects static files first)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-collectstatic", action="store_true")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start `huiyin worker` beside the server (it runs as its own service)",
        )

    def handle(self, *args, bind: str, workers: int, no_collectstatic: bool, **options):
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Huiyin → http://{bind}/")
        self.stdout.flush()
        # One machine, one command: the task worker runs beside the server unless told not to.
        child = None
        if not options.get("no_worker"):
            child = subprocess.Popen([sys.executable, "-m", "huiyin", "worker", "-v", "0"])  # noqa: S603
        try:
            self._serve(bind, workers)
        finally:
            if child is not None:
                child.terminate()
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()

    def _serve(self, bind: str, workers: int) -> None:
        _Server(
            {
                "bind": bind,
                "workers": workers,
                "threads": 4,
                "timeout": 120,
                "accesslog": "-",
                # Paths only: a query string may hold a searched phone or ID number.
                "logger_class": "huiyin.privacy.logredact.AccessLogger",
                "post_worker_init": hide_server_banner,
            }
        ).run()
