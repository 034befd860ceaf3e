"""A real OpenLDAP slapd for the tests: Debian's package, a throwaway config, a loopback port.

`make test` installs Debian's slapd and ldap-utils (the Makefile's `directory` target); where
they cannot be had, the LDAP tests are skipped with the reason.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SUFFIX = "dc=huiyin,dc=test"
ROOT_DN = f"cn=admin,{SUFFIX}"
READER_DN = f"cn=reader,ou=services,{SUFFIX}"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
SCHEMA = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")


def unavailable() -> str:
    """Why a slapd cannot be started here, or "" when it can."""
    if shutil.which("slapd") is None and not Path("/usr/sbin/slapd").exists():
        return "slapd is not installed (Debian's slapd package; `make test` installs it as root)"
    if shutil.which("slapadd") is None and not Path("/usr/sbin/slapadd").exists():
        return "slapadd is not installed (Debian's slapd package)"
    if not (MODULES / "back_mdb.so").exists() or not (SCHEMA / "inetorgperson.schema").exists():
        return "Debian's slapd modules or schemas are missing"
    try:
        import django_auth_ldap  # noqa: F401
        import ldap  # noqa: F401
    except ImportError:
        return "django-auth-ldap / python-ldap are not installed (pip install -e '.[ldap]')"
    return ""


def _tool(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def person(uid: str, name: str, password: str, mail: str = "") -> str:
    lines = [
        f"dn: uid={uid},{PEOPLE}",
        "objectClass: inetOrgPerson",
        f"uid: {uid}",
        f"cn: {name}",
        f"sn: {name[:1]}",
        f"userPassword: {password}",
    ]
    if mail:
        lines.append(f"mail: {mail}")
    return "\n".join(lines)


def group(cn: str, *uids: str) -> str:
    # groupOfNames needs a member: the reader stands in for an empty group.
    members = [f"uid={u},{PEOPLE}" for u in uids] or [READER_DN]
    return "\n".join(
        [f"dn: cn={cn},{GROUPS}", "objectClass: groupOfNames", f"cn: {cn}"]
        + [f"member: {m}" for m in members]
    )


@dataclass
class Slapd:
    url: str
    root_password: str
    reader_password: str
    process: subprocess.Popen
    home: Path

    def connect(self):
        """A python-ldap connection bound as the directory's manager (to change the groups)."""
        import ldap

        connection = ldap.initialize(self.url, bytes_mode=False)
        connection.simple_bind_s(ROOT_DN, self.root_password)
        return connection

    def set_members(self, cn: str, *uids: str) -> None:
        import ldap

        members = [f"uid={u},{PEOPLE}".encode() for u in uids] or [READER_DN.encode()]
        connection = self.connect()
        try:
            connection.modify_s(f"cn={cn},{GROUPS}", [(ldap.MOD_REPLACE, "member", members)])
        finally:
            connection.unbind_s()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.home, ignore_errors=True)


def start(entries: list[str], *, root_password: str, reader_password: str) -> Slapd:
    """slapd on 127.0.0.1 and a free port, loaded with the base tree and `entries` (LDIF)."""
    home = Path(tempfile.mkdtemp(prefix="huiyin-slapd-"))
    (home / "data").mkdir()
    schemas = "\n".join(
        f"include {SCHEMA / name}.schema" for name in ("core", "cosine", "inetorgperson", "nis")
    )
    (home / "slapd.conf").write_text(
        f"""{schemas}
modulepath {MODULES}
moduleload back_mdb
pidfile {home}/slapd.pid
argsfile {home}/slapd.args

database mdb
maxsize 16777216
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {root_password}
directory {home}/data

access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by users read
  by * none
""",
        encoding="utf-8",
    )
    base = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: huiyin\no: Huiyin",
        f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people",
        f"dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups",
        f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services",
        f"dn: {READER_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: reader\nuserPassword: {reader_password}",
    ]
    (home / "data.ldif").write_text("\n\n".join(base + entries) + "\n", encoding="utf-8")
    conf = str(home / "slapd.conf")
    loaded = subprocess.run(
        [_tool("slapadd"), "-f", conf, "-l", str(home / "data.ldif")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if loaded.returncode != 0:
        shutil.rmtree(home, ignore_errors=True)
        raise RuntimeError(f"slapadd failed: {loaded.stderr[-2000:]}")
    port = free_port()
    url = f"ldap://127.0.0.1:{port}"
    log = (home / "slapd.log").open("w")
    # -d keeps slapd in the foreground, so the test owns the process and its end.
    process = subprocess.Popen(
        [_tool("slapd"), "-f", conf, "-h", url + "/", "-d", "0"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Slapd(url, root_password, reader_password, process, home)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    output = (home / "slapd.log").read_text(errors="replace")[-2000:]
    server.stop()
    raise RuntimeError(f"slapd did not start on {url}: {output}")
