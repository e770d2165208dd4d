"""A private Dovecot (IMAP + POP3, plain, STARTTLS and implicit TLS) for the inbound tests.

One instance per test session, so per pytest-xdist worker: each has its own directory and
free ports. Dovecot is started in the foreground (`dovecot -F -c FILE`) as a child process and
terminated at the end. Mail is stored as Maildir; every test gets fresh users
(`dovecot.add_user()`), and `dovecot.deliver()` drops a message straight into a folder.

Dovecot missing (or RELATA_DOVECOT naming a missing file): the tests fail when CI is set
(CI must install it: .ci/dovecot-install) and are skipped otherwise, with the install command.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from relata.mailing.inbound.fetching import MailboxConfig

CORPUS = Path(__file__).parent / "corpus"
PASSWORD = "s3cret-pass"
USER_POOL = 300
INSTALL_HINT = (
    "apt-get install -y dovecot-imapd dovecot-pop3d openssl (or bash .ci/dovecot-install)"
)


def _missing(what: str) -> None:
    message = f"{what} is not installed; install it with: {INSTALL_HINT}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


_CONFIG = """\
instance_name = relata-test-{name}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
{ssl_dh}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = {uid}
first_valid_gid = {gid}
{unprivileged}
mail_location = maildir:{root}/mail/%u/Maildir
# IDLE learns of new mail through inotify; where a container has no inotify left, Dovecot
# falls back to looking every mailbox_idle_check_interval (30 s by default): look each second.
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = {imaps}
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {pop3}
  }}
  inet_listener pop3s {{
    port = {pop3s}
  }}
}}
"""


@dataclass
class Dovecot:
    root: Path
    ports: dict[str, int]
    cert_pem: str
    uid: int
    gid: int
    process: subprocess.Popen[bytes] | None = None
    host: str = "127.0.0.1"
    _counter: itertools.count[int] = field(default_factory=itertools.count)

    def add_user(self) -> str:
        """A new user with an empty INBOX; returns the user name (password PASSWORD).

        Users come from a pool written before Dovecot starts: Dovecot re-reads a changed
        passwd-file at most once a second, so users added on the fly may not log in at once.
        """
        number = next(self._counter)
        if number >= USER_POOL:
            raise RuntimeError("user pool exhausted: raise USER_POOL")
        name = f"u{number}"
        for sub in ("new", "cur", "tmp"):
            (self.root / "mail" / name / "Maildir" / sub).mkdir(parents=True)
        self._own(self.root / "mail" / name)
        return name

    def deliver(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """Drop a message into a Maildir folder as a local delivery agent would."""
        maildir = self.root / "mail" / user / "Maildir"
        if folder != "INBOX":
            maildir = maildir / f".{folder}"
            for sub in ("new", "cur", "tmp"):
                (maildir / sub).mkdir(parents=True, exist_ok=True)
            self._own(maildir)
        name = f"{time.time_ns()}.{uuid.uuid4().hex}.relata-test"
        temporary = maildir / "tmp" / name
        temporary.write_bytes(raw)
        os.chown(temporary, self.uid, self.gid)
        temporary.rename(maildir / "new" / name)

    def config(
        self, user: str, protocol: str = "imap", security: str = "none", **kw
    ) -> MailboxConfig:
        port_name = protocol + ("s" if security == "tls" else "")
        options = {
            "protocol": protocol,
            "host": self.host,
            "port": self.ports[port_name],
            "security": security,
            "username": user,
            "password": PASSWORD,
            "tls_trusted_certificate": self.cert_pem,
            "timeout": 20.0,
        }
        options.update(kw)
        return MailboxConfig(**options)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _own(self, path: Path) -> None:
        for directory, _dirs, files in os.walk(path):
            os.chown(directory, self.uid, self.gid)
            for name in files:
                os.chown(Path(directory) / name, self.uid, self.gid)


def _wait_listening(ports: list[int], process: subprocess.Popen[bytes], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    pending = list(ports)
    while pending and time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", pending[0]), timeout=1):
                pending.pop(0)
        except OSError:
            time.sleep(0.1)
    return not pending


@pytest.fixture(scope="session")
def dovecot(worker_id: str) -> Iterator[Dovecot]:
    with _running_dovecot(worker_id) as server:
        yield server


@pytest.fixture(scope="session")
def dovecot_for_failures(worker_id: str) -> Iterator[Dovecot]:
    """A second instance for failed logins: Dovecot slows down every login after failed ones
    (its auth penalty, up to 15 s), which would slow the tests sharing the instance."""
    with _running_dovecot(f"{worker_id}-failures") as server:
        yield server


@contextlib.contextmanager
def _running_dovecot(worker_id: str) -> Iterator[Dovecot]:
    # RELATA_DOVECOT: another binary (or a missing one, to check the CI failure).
    binary = os.environ.get("RELATA_DOVECOT") or _which("dovecot")
    if not binary or not Path(binary).exists():
        _missing("Dovecot")
    openssl = _which("openssl")
    if not openssl:
        _missing("openssl")
    # Not under pytest's 0700 tmp dirs: Dovecot's mail processes run as an unprivileged user.
    root = Path(tempfile.mkdtemp(prefix=f"relata-dovecot-{worker_id}-", dir="/tmp"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    if os.geteuid() == 0:
        # Mail users cannot be root; nobody owns the Maildirs.
        uid = gid = 65534
        unprivileged = ""
    else:
        uid, gid = os.getuid(), os.getgid()
        login = pwd.getpwuid(uid).pw_name
        unprivileged = f"default_login_user = {login}\ndefault_internal_user = {login}"
    (root / "users").write_text(
        "".join(
            f"u{n}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{root}/mail/u{n}::\n" for n in range(USER_POOL)
        )
    )
    ports = dict(zip(("imap", "imaps", "pop3", "pop3s"), _free_ports(4), strict=True))
    dh = Path("/usr/share/dovecot/dh.pem")
    (root / "dovecot.conf").write_text(
        _CONFIG.format(
            name=worker_id,
            root=root,
            uid=uid,
            gid=gid,
            unprivileged=unprivileged,
            ssl_dh=f"ssl_dh = <{dh}" if dh.exists() else "",
            **ports,
        )
    )
    server = Dovecot(
        root=root, ports=ports, cert_pem=(root / "cert.pem").read_text(), uid=uid, gid=gid
    )
    with (root / "stdout.log").open("wb") as output:
        server.process = subprocess.Popen(
            [binary, "-F", "-c", str(root / "dovecot.conf")], stdout=output, stderr=output
        )
    try:
        if not _wait_listening(list(ports.values()), server.process, 20):
            pytest.fail(
                f"Dovecot did not start on {ports}:\n"
                f"{(root / 'stdout.log').read_text(errors='replace')}\n{server.log()}",
                pytrace=False,
            )
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def corpus() -> dict[str, bytes]:
    """Every corpus message by file name (without .eml)."""
    return {path.stem: path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))}


@pytest.fixture
def loaded_user(dovecot: Dovecot, corpus: dict[str, bytes]) -> str:
    """A fresh user whose INBOX holds the whole corpus, in file-name order."""
    user = dovecot.add_user()
    for raw in corpus.values():
        dovecot.deliver(user, raw)
        time.sleep(0.001)  # distinct delivery times keep the UID order = file order
    return user
