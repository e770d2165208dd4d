"""Fetch raw messages from an IMAP (IMAPClient) or POP3 (stdlib poplib) mailbox.

Two steps, so that a crash never loses a message:

1. `fetch(config, state)` yields `FetchedMessage`s without changing anything on the server
   (IMAP: EXAMINE + BODY.PEEK[]; POP3: RETR, no DELE). Each carries the `state` to persist
   once it — and every message before it — is stored.
2. After the caller has committed the messages, `acknowledge(config, ids)` applies the
   mailbox's after-read action (mark seen, move, delete). It is idempotent: ids already
   acknowledged or gone are ignored, so pending acknowledgements can simply be retried.

A crash after step 1 but before the caller commits leaves the old state in the database: the
next poll fetches the same messages again, and the caller de-duplicates by Message-ID and
content hash.

TLS certificates are verified by default. For a server with a self-signed certificate either
paste that certificate in `tls_trusted_certificate` (verification stays on, pinned to it) or,
as a last resort, set `tls_verify=False` (accepts any certificate: insecure).
"""

from __future__ import annotations

import contextlib
import poplib
import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any

from django.utils.translation import gettext as _
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

_SEEN = b"\\Seen"
_DELETED = b"\\Deleted"


class Protocol(StrEnum):
    IMAP = "imap"
    POP3 = "pop3"


class Security(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class AfterRead(StrEnum):
    SEEN = "seen"
    MOVE = "move"
    DELETE = "delete"


_DEFAULT_PORTS = {
    (Protocol.IMAP, Security.TLS): 993,
    (Protocol.IMAP, Security.STARTTLS): 143,
    (Protocol.IMAP, Security.NONE): 143,
    (Protocol.POP3, Security.TLS): 995,
    (Protocol.POP3, Security.STARTTLS): 110,
    (Protocol.POP3, Security.NONE): 110,
}


class MailboxError(Exception):
    """Any failure talking to the mail server, with a translated, user-readable message.

    `code` is one of: config, connection, timeout, tls, auth, folder, protocol.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class MailboxConfig:
    protocol: str  # Protocol
    host: str
    username: str
    password: str = field(repr=False)
    port: int | None = None  # None: the protocol's standard port for `security`
    security: str = Security.TLS
    folder: str = "INBOX"  # IMAP only; POP3 has just the inbox
    after_read: str = AfterRead.SEEN
    move_to: str = ""  # IMAP folder for after_read=move (created when missing)
    batch_size: int = 50
    timeout: float = 30.0
    tls_verify: bool = True  # False accepts any certificate (insecure; self-signed servers)
    tls_trusted_certificate: str = ""  # PEM certificate(s) to trust instead of the system CAs
    # Messages larger than this are fetched as headers only (FetchedMessage.truncated).
    max_message_bytes: int = 50 * 1024 * 1024

    @property
    def effective_port(self) -> int:
        if self.port:
            return self.port
        return _DEFAULT_PORTS[(Protocol(self.protocol), Security(self.security))]

    def errors(self) -> dict[str, str]:
        """Field → message for an unusable configuration (empty when valid)."""
        errors: dict[str, str] = {}
        if self.protocol not in tuple(Protocol):
            errors["protocol"] = _("Choose IMAP or POP3.")
        if self.security not in tuple(Security):
            errors["security"] = _("Choose no encryption, STARTTLS or TLS.")
        if self.after_read not in tuple(AfterRead):
            errors["after_read"] = _("Choose mark as read, move or delete.")
        elif self.after_read == AfterRead.MOVE:
            if self.protocol == Protocol.POP3:
                errors["after_read"] = _("POP3 has no folders: choose mark as read or delete.")
            elif not self.move_to.strip():
                errors["move_to"] = _("Enter the folder to move read messages to.")
        if not self.host.strip():
            errors["host"] = _("Enter the server name.")
        if self.batch_size < 1:
            errors["batch_size"] = _("Enter a number greater than zero.")
        return errors


@dataclass(frozen=True)
class FetchedMessage:
    id: str  # IMAP "<uidvalidity>:<uid>", POP3 the UIDL; pass it to acknowledge()
    raw: bytes = field(repr=False)
    size: int  # as reported by the server
    truncated: bool  # only the headers were fetched (over max_message_bytes)
    # Builds the state to persist with this message (built on demand: a POP3 state lists
    # every UIDL read, and a snapshot per message would grow quadratically).
    state_factory: Callable[[], dict[str, Any]] = field(repr=False, compare=False)

    @property
    def state(self) -> dict[str, Any]:
        """The position after this message, to save with it (JSON-serialisable)."""
        return self.state_factory()


def fetch(config: MailboxConfig, state: dict[str, Any] | None = None) -> Iterator[FetchedMessage]:
    """The messages that arrived after `state` (None or {} for a new mailbox), oldest first.

    Nothing changes on the server. The generator holds the connection open until exhausted.
    """
    _check(config)
    if config.protocol == Protocol.IMAP:
        yield from _imap_fetch(config, state or {})
    else:
        yield from _pop3_fetch(config, state or {})


def acknowledge(config: MailboxConfig, ids: Iterable[str]) -> int:
    """Apply the after-read action to messages already stored; returns how many were found."""
    _check(config)
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return 0
    if config.protocol == Protocol.IMAP:
        return _imap_acknowledge(config, wanted)
    return _pop3_acknowledge(config, wanted)


def check(config: MailboxConfig) -> int:
    """Connect and log in (the admin's "test connection"); returns the message count."""
    _check(config)
    if config.protocol == Protocol.IMAP:
        with _imap(config) as client:
            return int(_select(client, config.folder, readonly=True)[b"EXISTS"])
    with _pop3(config) as pop:
        return int(pop.stat()[0])


def wait_for_new(
    config: MailboxConfig, timeout: float, state: dict[str, Any] | None = None
) -> bool:
    """IMAP IDLE: block up to `timeout` seconds; True when there is mail to fetch.

    With the poller's saved `state`, mail that arrived before the IDLE began counts too.
    Servers without IDLE (and POP3) return True at once: the caller should simply poll.
    """
    _check(config)
    if config.protocol != Protocol.IMAP:
        return True
    with _imap(config) as client:
        if not client.has_capability("IDLE"):
            return True
        info = _select(client, config.folder, readonly=True)
        if state is not None:
            last_uid = int(state.get("last_uid", 0))
            if state.get("uidvalidity") != int(info[b"UIDVALIDITY"]):
                last_uid = 0
            if any(u > last_uid for u in client.search(["UID", f"{last_uid + 1}:*"])):
                return True
        deadline = time.monotonic() + timeout
        client.idle()
        try:
            # The server may send other untagged responses (keep-alives, flag changes)
            # before any new mail: keep waiting until mail arrives or time is up.
            while (left := deadline - time.monotonic()) > 0:
                responses = client.idle_check(timeout=left)
                if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                    return True
        finally:
            with contextlib.suppress(Exception):
                client.idle_done()
        return False


# --- connections and errors -----------------------------------------------------------------


def tls_context(config: MailboxConfig) -> ssl.SSLContext:
    if config.tls_trusted_certificate.strip():
        try:
            context = ssl.create_default_context(cadata=config.tls_trusted_certificate)
        except (ssl.SSLError, ValueError) as exc:
            raise MailboxError(
                "config", _("The trusted certificate is not a valid PEM certificate.")
            ) from exc
    else:
        context = ssl.create_default_context()
    if not config.tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _check(config: MailboxConfig) -> None:
    errors = config.errors()
    if errors:
        raise MailboxError("config", " ".join(errors.values()))


@contextlib.contextmanager
def _errors(config: MailboxConfig) -> Iterator[None]:
    """Translate every network, TLS and protocol failure into a MailboxError."""
    where = {"host": config.host, "port": config.effective_port}
    try:
        yield
    except MailboxError:
        raise
    except LoginError as exc:
        raise MailboxError(
            "auth",
            _("The server rejected the user name or password for %(user)s.")
            % {"user": config.username},
        ) from exc
    except ssl.SSLCertVerificationError as exc:
        raise MailboxError(
            "tls",
            _("The certificate of %(host)s could not be verified: %(reason)s.")
            % {**where, "reason": exc.verify_message or exc.reason},
        ) from exc
    except ssl.SSLError as exc:
        raise MailboxError(
            "tls",
            _("The secure connection to %(host)s failed: %(reason)s.")
            % {**where, "reason": exc.reason or exc},
        ) from exc
    except TimeoutError as exc:
        raise MailboxError(
            "timeout", _("%(host)s:%(port)s did not answer in time.") % where
        ) from exc
    except ConnectionRefusedError as exc:
        raise MailboxError(
            "connection", _("%(host)s:%(port)s refused the connection.") % where
        ) from exc
    except (IMAPClientError, poplib.error_proto) as exc:
        raise MailboxError(
            "protocol", _("The mail server answered with an error: %(error)s.") % {"error": exc}
        ) from exc
    except OSError as exc:
        raise MailboxError(
            "connection",
            _("Could not connect to %(host)s:%(port)s: %(error)s.")
            % {**where, "error": exc.strerror or exc},
        ) from exc


@contextlib.contextmanager
def _imap(config: MailboxConfig) -> Iterator[IMAPClient]:
    with _errors(config):
        implicit = config.security == Security.TLS
        client = IMAPClient(
            config.host,
            port=config.effective_port,
            ssl=implicit,
            ssl_context=tls_context(config) if implicit else None,
            timeout=config.timeout,
        )
        try:
            if config.security == Security.STARTTLS:
                client.starttls(tls_context(config))
            client.login(config.username, config.password)
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()


@contextlib.contextmanager
def _pop3(config: MailboxConfig) -> Iterator[poplib.POP3]:
    with _errors(config):
        pop: poplib.POP3
        if config.security == Security.TLS:
            pop = poplib.POP3_SSL(
                config.host,
                config.effective_port,
                timeout=config.timeout,
                context=tls_context(config),
            )
        else:
            pop = poplib.POP3(config.host, config.effective_port, timeout=config.timeout)
        try:
            if config.security == Security.STARTTLS:
                pop.stls(tls_context(config))
            pop.user(config.username)
            try:
                pop.pass_(config.password)
            except poplib.error_proto as exc:
                raise LoginError(str(exc)) from exc
            yield pop
        finally:
            with contextlib.suppress(Exception):
                pop.quit()


def _select(client: IMAPClient, folder: str, *, readonly: bool) -> dict[bytes, Any]:
    try:
        return client.select_folder(folder, readonly=readonly)
    except IMAPClientError as exc:
        raise MailboxError(
            "folder",
            _("The folder %(folder)s does not exist or cannot be opened.") % {"folder": folder},
        ) from exc


# --- IMAP -------------------------------------------------------------------------------


def _imap_fetch(config: MailboxConfig, state: dict[str, Any]) -> Iterator[FetchedMessage]:
    with _imap(config) as client:
        info = _select(client, config.folder, readonly=True)
        validity = int(info[b"UIDVALIDITY"])
        # A new UIDVALIDITY means every UID changed: start again (the caller de-duplicates).
        last_uid = int(state.get("last_uid", 0)) if state.get("uidvalidity") == validity else 0
        uids = sorted(u for u in client.search(["UID", f"{last_uid + 1}:*"]) if u > last_uid)
        for start in range(0, len(uids), config.batch_size):
            batch = uids[start : start + config.batch_size]
            sizes = client.fetch(batch, ["RFC822.SIZE"])
            small = [u for u in batch if sizes[u][b"RFC822.SIZE"] <= config.max_message_bytes]
            big = [u for u in batch if u not in small]
            bodies = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
            headers = client.fetch(big, ["BODY.PEEK[HEADER]"]) if big else {}
            for uid in batch:
                if uid in bodies:
                    raw, truncated = bodies[uid][b"BODY[]"], False
                elif uid in headers:
                    raw, truncated = headers[uid][b"BODY[HEADER]"], True
                else:  # expunged meanwhile
                    continue
                yield FetchedMessage(
                    id=f"{validity}:{uid}",
                    raw=bytes(raw),
                    size=int(sizes[uid][b"RFC822.SIZE"]),
                    truncated=truncated,
                    state_factory=partial(dict, uidvalidity=validity, last_uid=uid),
                )


def _imap_acknowledge(config: MailboxConfig, ids: list[str]) -> int:
    with _imap(config) as client:
        info = _select(client, config.folder, readonly=False)
        validity = str(int(info[b"UIDVALIDITY"]))
        wanted = sorted(
            {int(uid) for v, _sep, uid in (i.partition(":") for i in ids) if v == validity}
        )
        present: list[int] = []
        for start in range(0, len(wanted), 500):  # keep command lines short
            chunk = wanted[start : start + 500]
            found = set(client.search(["UID", ",".join(map(str, chunk))]))
            present += [u for u in chunk if u in found]
        if not present:
            return 0
        if config.after_read == AfterRead.SEEN:
            client.add_flags(present, [_SEEN])
        elif config.after_read == AfterRead.MOVE:
            if not client.folder_exists(config.move_to):
                client.create_folder(config.move_to)
            if client.has_capability("MOVE"):
                client.move(present, config.move_to)
            else:
                client.copy(present, config.move_to)
                _imap_delete(client, present)
        else:
            _imap_delete(client, present)
        return len(present)


def _imap_delete(client: IMAPClient, uids: list[int]) -> None:
    client.add_flags(uids, [_DELETED])
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        client.expunge()


# --- POP3 -------------------------------------------------------------------------------


def _uidls(pop: poplib.POP3) -> list[tuple[int, str]]:
    """(message number, UIDL) of every message in the maildrop."""
    result = []
    for line in pop.uidl()[1]:
        number, _sep, uidl = line.decode("ascii", "replace").partition(" ")
        result.append((int(number), uidl.strip()))
    return result


def _pop3_fetch(config: MailboxConfig, state: dict[str, Any]) -> Iterator[FetchedMessage]:
    with _pop3(config) as pop:
        listing = _uidls(pop)
        on_server = {uidl for _n, uidl in listing}
        # Forget UIDLs no longer on the server so the state stays as small as the maildrop.
        kept = tuple(u for u in state.get("seen_uidls", []) if u in on_server)
        seen_set = set(kept)
        read: list[str] = []  # only appended to: read[:n] is the state after message n
        sizes: dict[int, int] = {}
        for line in pop.list()[1]:
            position, _sep, octets = line.decode("ascii", "replace").partition(" ")
            sizes[int(position)] = int(octets.split()[0]) if octets.strip() else 0
        for number, uidl in listing:
            if uidl in seen_set:
                continue
            size = sizes.get(number, 0)
            truncated = size > config.max_message_bytes
            response = pop.top(number, 0) if truncated else pop.retr(number)
            raw = b"\r\n".join(response[1]) + b"\r\n"
            read.append(uidl)
            seen_set.add(uidl)
            yield FetchedMessage(
                id=uidl,
                raw=raw,
                size=size,
                truncated=truncated,
                state_factory=partial(_pop3_state, kept, read, len(read)),
            )


def _pop3_state(kept: tuple[str, ...], read: list[str], count: int) -> dict[str, Any]:
    return {"seen_uidls": [*kept, *read[:count]]}


def _pop3_acknowledge(config: MailboxConfig, ids: list[str]) -> int:
    with _pop3(config) as pop:
        wanted = set(ids)
        found = [number for number, uidl in _uidls(pop) if uidl in wanted]
        if config.after_read == AfterRead.DELETE:
            for number in found:
                pop.dele(number)
        # "seen": POP3 has no flags; the UIDL in the state already marks it as read.
        return len(found)
