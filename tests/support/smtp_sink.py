"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 that keeps each message's bytes as they came off the wire,
or answers DATA with a set reply. Optionally STARTTLS with a throwaway certificate, and AUTH with one login."""

import datetime
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    mail_options: list[str]
    data: bytes


@dataclass
class RecordingHandler:
    reply: str | None = None
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.reply is not None:
            return self.reply
        raw = envelope.original_content or b""
        self.received.append(Received(envelope.mail_from or "", list(envelope.rcpt_tos), envelope.mail_options, raw))
        return "250 2.0.0 Message accepted for delivery"


@dataclass(frozen=True)
class SmtpSink:
    port: int
    handler: RecordingHandler

    @property
    def received(self) -> list[Received]:
        return self.handler.received


@dataclass(frozen=True)
class Tls:
    server_context: ssl.SSLContext
    cert_file: Path


def free_port() -> int:
    # Bind to port 0 and let go: aiosmtpd's Controller polls its port to know it is up, so it needs a real number.
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_sink(
    reply: str | None = None, *, login: tuple[str, str] | None = None, tls: Tls | None = None
) -> Iterator[SmtpSink]:
    handler = RecordingHandler(reply)
    options: dict[str, Any] = {}
    if login is not None:
        options["authenticator"] = _authenticator(*login)
        options["auth_require_tls"] = tls is not None
    if tls is not None:
        options["tls_context"] = tls.server_context
    port = free_port()
    controller = Controller(handler, hostname=HOST, port=port, **options)
    controller.start()
    try:
        yield SmtpSink(port, handler)
    finally:
        controller.stop()


def _authenticator(login: str, password: str) -> Any:
    def check(server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
        expected = LoginPassword(login.encode(), password.encode())
        # handled=False makes aiosmtpd send its 535; with the default True it answers nothing and the client hangs.
        return AuthResult(success=isinstance(auth_data, LoginPassword) and auth_data == expected, handled=False)

    return check


def self_signed_tls(directory: Path) -> Tls:
    """A certificate for 127.0.0.1 (smtplib checks the name it connected to) that only a test chooses to trust."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "sink-cert.pem", directory / "sink-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return Tls(context, cert_file)
