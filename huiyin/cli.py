"""The `huiyin` console command: a thin front to Django's management commands."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "huiyin"
    if argv[1:2] == ["genkey"]:
        # Needs no settings: it is how an operator makes the keys settings require.
        import base64

        print(base64.urlsafe_b64encode(os.urandom(32)).decode())
        return
    # These read only the code: they need no secret, so none is required of them.
    if len(argv) > 1 and argv[1] in {"makemigrations", "makemessages", "compilemessages"}:
        os.environ.setdefault("HUIYIN_BUILD_ONLY", "1")
    # `huiyin demo` may run before any key exists: it creates them in the data dir.
    if len(argv) > 1 and argv[1] == "demo":
        os.environ.setdefault("HUIYIN_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huiyin.settings")
    from huiyin.env import ConfigError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv)
    except ConfigError as exc:
        sys.stderr.write(f"huiyin: {exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
