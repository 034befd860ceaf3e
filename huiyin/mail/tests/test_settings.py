"""The mail settings from the environment: a relay when a host is set, bad values refused."""

from __future__ import annotations

import os
import subprocess
import sys

SHOW = (
    "from django.conf import settings as s; "
    "print(s.EMAIL_BACKEND, getattr(s, 'EMAIL_HOST', ''), getattr(s, 'EMAIL_PORT', ''), "
    "getattr(s, 'EMAIL_USE_TLS', ''), s.DEFAULT_FROM_EMAIL, s.HUIYIN_BASE_URL)"
)


def run(env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUIYIN_")}
    env.update({"HUIYIN_DATA_DIR": str(tmp_path), "HUIYIN_DEBUG": "1"})
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "huiyin", "shell", "-v", "0", "-c", SHOW],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_relay_is_used_only_when_a_host_is_set(tmp_path):
    relay = run(
        {
            "HUIYIN_EMAIL_HOST": "mail.street.gov.cn",
            "HUIYIN_EMAIL_PORT": "587",
            "HUIYIN_EMAIL_USE_TLS": "1",
            "HUIYIN_EMAIL_FROM": "huiyin@street.gov.cn",
            "HUIYIN_BASE_URL": "https://huiyin.street.gov.cn/",
        },
        tmp_path,
    )
    assert relay.returncode == 0, relay.stderr
    assert relay.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.street.gov.cn",
        "587",
        "True",
        "huiyin@street.gov.cn",
        "https://huiyin.street.gov.cn",
    ]
    console = run({}, tmp_path)
    assert console.stdout.split()[0] == "django.core.mail.backends.console.EmailBackend"


def test_bad_values_stop_with_one_line_naming_them(tmp_path):
    for name, value in (
        ("HUIYIN_EMAIL_PORT", "99999"),
        ("HUIYIN_EMAIL_PORT", "smtp"),
        ("HUIYIN_MAIL_DIGEST_HOUR", "25"),
        ("HUIYIN_EMAIL_USE_TLS", "maybe"),
    ):
        result = run({"HUIYIN_EMAIL_HOST": "mail.street.gov.cn", name: value}, tmp_path)
        assert result.returncode != 0
        assert name in result.stderr and "Traceback" not in result.stderr
