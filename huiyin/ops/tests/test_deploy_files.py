"""The deployment files (deploy/) agree with the code and with docs/deploy.md.

Every environment variable Huiyin reads is in the example environment file and in the guide's
table; every systemd unit parses and starts a `huiyin` command with options that command
takes; nginx lets through the largest upload Huiyin accepts (and `nginx -t` passes where
nginx is installed); every file under deploy/ is shown in the guide exactly as it is.
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
GUIDE = ROOT / "docs" / "deploy.md"
VENV_BIN = "/opt/huiyin/venv/bin/huiyin"

#: Set by the `huiyin` command itself for makemigrations and friends; never by an operator.
INTERNAL = {"HUIYIN_BUILD_ONLY"}
#: The secrets may also come from a file (huiyin.env.envstr reads NAME_FILE).
FILE_FORMS = {"HUIYIN_SECRET_KEY_FILE", "HUIYIN_DATA_KEY_FILE"}

_READ = re.compile(
    # The env helpers, and the directory configuration's own readers that wrap them.
    r"(?<![\w.])(?:envstr|envbool|envint|envlist|keyfile_secret|os\.environ\.get|os\.getenv"
    r"|_attribute|_claim|_file|_timeout|_url|dn)"
    r"\(\s*\"(HUIYIN_[A-Z0-9_]+)\""
)
#: A variable's name kept in a constant (``GROUPS_VAR = "HUIYIN_DIRECTORY_GROUPS"``).
_CONSTANT = re.compile(r"^[A-Z_]*VAR\s*=\s*\"(HUIYIN_[A-Z0-9_]+)\"", re.MULTILINE)


def variables_read() -> set[str]:
    """The HUIYIN_* variables the running code reads (not the tests' own)."""
    found: set[str] = set()
    for path in (ROOT / "huiyin").rglob("*.py"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & {"tests", "testing", "migrations"} or "demo" in path.stem:
            continue
        text = path.read_text(encoding="utf-8")
        found |= set(_READ.findall(text)) | set(_CONSTANT.findall(text))
    return found - INTERNAL


def guide_table_variables() -> set[str]:
    """The variables named in the first column of the guide's environment table."""
    names: set[str] = set()
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `HUIYIN_"):
            names |= set(re.findall(r"`(HUIYIN_[A-Z0-9_]+)`", line.split("|")[1]))
    return names


def test_the_scan_finds_the_settings_variables():
    found = variables_read()
    # A regex that finds nothing would pass every test below: make sure it finds these.
    assert {
        "HUIYIN_DATA_DIR",
        "HUIYIN_DATABASE_URL",
        "HUIYIN_SECRET_KEY",
        "HUIYIN_DATA_KEY",
    } <= found
    assert {"HUIYIN_TRUSTED_PROXIES", "HUIYIN_API_RATE_PER_MINUTE"} <= found
    assert "HUIYIN_BUILD_ONLY" not in found


def test_every_variable_is_in_the_example_environment_file():
    text = (DEPLOY / "huiyin.env.example").read_text(encoding="utf-8")
    named = set(re.findall(r"^#?(HUIYIN_[A-Z0-9_]+)=", text, flags=re.MULTILINE))
    missing = (variables_read() | FILE_FORMS) - named
    assert not missing, f"add to deploy/huiyin.env.example: {sorted(missing)}"
    unknown = named - variables_read() - FILE_FORMS
    assert not unknown, f"deploy/huiyin.env.example names what Huiyin never reads: {unknown}"


def test_every_variable_is_in_the_guides_table():
    table = guide_table_variables()
    missing = (variables_read() | FILE_FORMS) - table
    assert not missing, f"add to the table in docs/deploy.md: {sorted(missing)}"
    unknown = table - variables_read() - FILE_FORMS
    assert not unknown, f"docs/deploy.md's table names what Huiyin never reads: {unknown}"


def test_the_example_environment_file_is_plain_name_value_lines():
    """systemd's EnvironmentFile= and sh's `.` must read it alike: no `export`, no spaces
    around `=`, no comment after a value."""
    for number, line in enumerate(
        (DEPLOY / "huiyin.env.example").read_text(encoding="utf-8").splitlines(), 1
    ):
        if not line or line.startswith("#"):
            continue
        assert re.fullmatch(r"HUIYIN_[A-Z0-9_]+=[^\s#'\"$]*", line), f"line {number}: {line}"


def _units() -> list[Path]:
    units = sorted((DEPLOY / "systemd").glob("huiyin-*.*"))
    assert units, "no unit files under deploy/systemd"
    return units


def _parse_unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    return parser


@pytest.mark.parametrize("path", _units(), ids=lambda p: p.name)
def test_a_unit_parses_and_runs_a_huiyin_command_that_exists(path):
    unit = _parse_unit(path)
    assert unit.has_section("Unit") and unit.get("Unit", "Description")
    if path.suffix == ".timer":
        assert unit.get("Timer", "OnCalendar")
        assert (path.with_suffix(".service")).exists(), f"{path.name} starts no service"
        return
    service = unit["Service"]
    assert service.get("User") == "huiyin"
    assert service.get("EnvironmentFile") == "/etc/huiyin/huiyin.env"
    words = shlex.split(service["ExecStart"])
    assert words[0] == VENV_BIN
    name, args = words[1], words[2:]
    commands = get_commands()
    assert name in commands, f"{path.name}: `huiyin {name}` is not a command"
    # The options must be ones the command takes (argparse exits on an unknown one).
    command = load_command_class(commands[name], name)
    command.create_parser("huiyin", name).parse_args(args)
    if path.stem in {"huiyin-web", "huiyin-worker"}:
        assert service.get("Restart") == "always"
        assert unit.get("Install", "WantedBy") == "multi-user.target"


def test_the_web_unit_runs_no_worker_of_its_own_and_listens_on_loopback():
    words = shlex.split(
        _parse_unit(DEPLOY / "systemd" / "huiyin-web.service")["Service"]["ExecStart"]
    )
    assert "--no-worker" in words
    assert words[words.index("--bind") + 1].startswith("127.0.0.1:")


def test_the_backup_service_may_write_where_backups_go():
    example = (DEPLOY / "huiyin.env.example").read_text(encoding="utf-8")
    backup_dir = re.search(r"^HUIYIN_BACKUP_DIR=(\S+)$", example, flags=re.MULTILINE).group(1)
    service = _parse_unit(DEPLOY / "systemd" / "huiyin-backup.service")["Service"]
    assert backup_dir in service["ReadWritePaths"].split()


def largest_upload() -> int:
    """The largest request body Huiyin accepts: the largest single file any form takes, or the
    most photos one finding keeps."""
    from huiyin.assessment.services import files as assessment_files
    from huiyin.cases import attachments
    from huiyin.patrols import photos
    from huiyin.reports import word_template
    from huiyin.reports.views import ledger

    return max(
        attachments.max_bytes(),
        ledger.max_upload(),
        word_template.TEMPLATE_MAX_BYTES,
        assessment_files.MAX_BYTES,
        photos.max_bytes() * photos.MAX_PER_FINDING,
    )


_SIZE = re.compile(r"^\s*client_max_body_size\s+(\d+)([kKmMgG]?)\s*;", flags=re.MULTILINE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def test_nginx_lets_the_largest_upload_through():
    sizes = _SIZE.findall((DEPLOY / "nginx" / "huiyin.conf").read_text(encoding="utf-8"))
    assert sizes, "deploy/nginx/huiyin.conf sets no client_max_body_size"
    number, unit = sizes[-1]
    limit = int(number) * _UNITS[unit.lower()]
    # Room for the form's other fields and the multipart boundaries around the file.
    assert limit >= largest_upload() + 1024 * 1024, (limit, largest_upload())


def test_nginx_sets_the_headers_huiyin_reads():
    text = (DEPLOY / "nginx" / "huiyin.conf").read_text(encoding="utf-8")
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for;", text)
    assert re.search(r"proxy_set_header\s+X-Forwarded-Proto\s+\$scheme;", text)
    assert re.search(r"proxy_set_header\s+Host\s+\$host;", text)
    # The access log must not hold query strings: $request and $http_referer carry them.
    formats = re.search(r"log_format\s+huiyin_paths(.*?);", text, flags=re.DOTALL).group(1)
    assert "$request " not in formats and '$request"' not in formats
    assert "$http_referer" not in formats
    assert "server_tokens off;" in text


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_nginx_accepts_the_site(tmp_path):
    """`nginx -t` on the site inside a minimal nginx.conf, with a throwaway certificate."""
    cert, key = write_self_signed(tmp_path)
    logs = tmp_path / "logs"
    logs.mkdir()
    site = (DEPLOY / "nginx" / "huiyin.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/ssl/huiyin/fullchain.pem", str(cert))
    site = site.replace("/etc/ssl/huiyin/privkey.pem", str(key))
    site = site.replace("/var/log/nginx/", f"{logs}/")
    (tmp_path / "huiyin.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {logs}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log {logs}/access.log;\n  include {tmp_path}/huiyin.conf;\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            shutil.which("nginx") or "nginx",
            "-t",
            "-p",
            str(tmp_path),
            "-e",
            str(logs / "error.log"),
            "-c",
            str(tmp_path / "nginx.conf"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def write_self_signed(folder: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate and its key for huiyin.example.gov.cn."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "huiyin.example.gov.cn")])
    start = datetime(2020, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * 30))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


_INCLUDE = re.compile(
    r"^<!-- file: (?P<path>deploy/\S+) -->\n```[a-z]*\n(?P<body>.*?)^```$",
    flags=re.MULTILINE | re.DOTALL,
)


def test_the_guide_shows_every_deployment_file_as_it_is():
    shown = {m["path"]: m["body"] for m in _INCLUDE.finditer(GUIDE.read_text(encoding="utf-8"))}
    files = sorted(
        str(p.relative_to(ROOT)) for p in DEPLOY.rglob("*") if p.is_file() and p.name != "README"
    )
    missing = [f for f in files if f not in shown]
    assert not missing, f"docs/deploy.md shows no <!-- file: ... --> block for {missing}"
    for path, body in shown.items():
        assert (ROOT / path).exists(), f"docs/deploy.md shows {path}, which does not exist"
        assert body == (ROOT / path).read_text(encoding="utf-8"), (
            f"docs/deploy.md's copy of {path} differs from the file: copy the file into the guide"
        )


def test_the_wrapper_sources_the_environment_file_and_runs_as_huiyin():
    text = (DEPLOY / "bin" / "huiyin").read_text(encoding="utf-8")
    assert text.startswith("#!/bin/sh\n")
    assert (DEPLOY / "bin" / "huiyin").stat().st_mode & 0o111
    assert "/etc/huiyin/huiyin.env" in text and "runuser -u" in text
    assert "HUIYIN_USER:-huiyin}" in text
