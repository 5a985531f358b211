"""SMTP as the mail provider: the MIME message build_mime makes, DKIM-signed here, because a plain relay signs
nothing for us and mailbox providers junk unsigned bulk mail."""

import base64
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from typing import Literal

import dkim
import dkim.crypto

from emailseq.domain.errors import ProviderError, ProviderPermanentError, ProviderTemporaryError
from emailseq.domain.ports import Clock, OutgoingEmail
from emailseq.rendering.message import build_mime

_MESSAGE_HEADERS = (b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type")
# RFC 8058: one-click unsubscribe counts only when both List-Unsubscribe headers are covered by the signature.
SIGNED_HEADERS = (*_MESSAGE_HEADERS, b"list-unsubscribe", b"list-unsubscribe-post")
# RFC 8410's PKCS#8 wrapping of an Ed25519 private key is this fixed prefix and the 32-byte seed; dkimpy takes the
# bare seed, but keys are generated and stored as PEM (`openssl genpkey -algorithm ed25519`).
_ED25519_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
_HEADER_NAME = re.compile(rb"^([!-9;-~]+):", re.MULTILINE)


@dataclass(frozen=True, kw_only=True)
class SmtpConfig:
    host: str
    port: int = 587
    username: str | None = None
    # Secrets stay out of repr so a logged config does not leak them.
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    dkim_selector: str
    dkim_domain: str
    dkim_private_key_pem: str = field(repr=False)
    dkim_algorithm: Literal["ed25519", "rsa"] = "ed25519"
    timeout_seconds: float = 30.0


class DkimSigner:
    """Relaxed/relaxed canonicalization: it survives the refolding and whitespace changes relays make."""

    def __init__(self, selector: str, domain: str, private_key_pem: str, algorithm: Literal["ed25519", "rsa"]) -> None:
        self._selector = selector.encode()
        self._domain = domain.encode()
        if algorithm == "ed25519":
            self._key, self._algorithm = _ed25519_seed(private_key_pem), b"ed25519-sha256"
        else:
            self._key, self._algorithm = _rsa_pem(private_key_pem), b"rsa-sha256"

    def sign(self, message: bytes) -> bytes:
        """`message` with CRLF line ends; returns it with its DKIM-Signature header in front."""
        present = {name.lower() for name in _HEADER_NAME.findall(message.split(b"\r\n\r\n", 1)[0])}
        signature: bytes = dkim.sign(
            message,
            self._selector,
            self._domain,
            self._key,
            canonicalize=(b"relaxed", b"relaxed"),
            signature_algorithm=self._algorithm,
            include_headers=[name for name in SIGNED_HEADERS if name in present],
        )
        return signature + message


class SmtpMailSender:
    def __init__(self, config: SmtpConfig, sender: str, clock: Clock) -> None:
        self._config = config
        self._sender = sender
        self._envelope_from = parseaddr(sender)[1]
        self._clock = clock
        self._signer = DkimSigner(
            config.dkim_selector, config.dkim_domain, config.dkim_private_key_pem, config.dkim_algorithm
        )

    def send(self, email: OutgoingEmail) -> str:
        """Returns the Message-ID header as sent, angle brackets included: the id replies and bounces refer to."""
        # build_mime ends lines with LF; SMTP and the DKIM body hash both want CRLF, and smtplib leaves bytes alone.
        raw = build_mime(email, self._sender, self._clock.now()).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        message_id = str(BytesHeaderParser().parsebytes(raw)["Message-ID"]).strip()
        signed = self._signer.sign(raw)
        try:
            self._deliver(email.to, signed)
        except (smtplib.SMTPException, OSError) as error:
            raise _provider_error(error) from error
        return message_id

    def _deliver(self, recipient: str, message: bytes) -> None:
        config = self._config
        # EHLO as the signing domain: smtplib's default name comes from a reverse DNS lookup that can stall.
        smtp = smtplib.SMTP(config.host, config.port, local_hostname=config.dkim_domain, timeout=config.timeout_seconds)
        try:
            if config.starttls:
                # An explicit context because smtplib's default one does not verify the server's certificate.
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password or "")
            smtp.ehlo_or_helo_if_needed()  # STARTTLS forgets the extensions; has_extn needs them again
            # build_mime writes UTF-8 parts as 8bit; RFC 6152 asks to declare that where the server offers it.
            options = ["BODY=8BITMIME"] if smtp.has_extn("8bitmime") else []
            smtp.sendmail(self._envelope_from, [recipient], message, mail_options=options)
        finally:
            _close(smtp)


def _close(smtp: smtplib.SMTP) -> None:
    # Once DATA is accepted the message is the relay's: a failing QUIT must not turn a delivered send into a retry.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _provider_error(error: OSError) -> ProviderError:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = list(error.recipients.values())
        code, text = min(replies) if replies else (550, b"all recipients refused")
        return _by_code(code, text)
    if isinstance(error, smtplib.SMTPResponseException):
        return _by_code(error.smtp_code, error.smtp_error)
    if isinstance(error, ssl.SSLCertVerificationError):  # the relay's certificate will not verify on a retry either
        return ProviderPermanentError(f"SMTP server certificate refused: {error}")
    if isinstance(error, smtplib.SMTPServerDisconnected) or not isinstance(error, smtplib.SMTPException):
        return ProviderTemporaryError(f"SMTP connection failed: {error}")
    # What is left is the server not offering what we are configured to use (STARTTLS, an AUTH method).
    return ProviderPermanentError(f"SMTP session refused: {error}")


def _by_code(code: int, text: bytes | str) -> ProviderError:
    reply = text.decode(errors="replace") if isinstance(text, bytes) else text
    kind = ProviderTemporaryError if 400 <= code < 500 else ProviderPermanentError
    return kind(f"SMTP {code}: {reply}", code=code)


# Both key readers run when the sender is built, so a bad key stops start-up rather than the first send.
def _rsa_pem(pem: str) -> bytes:
    try:
        dkim.crypto.parse_pem_private_key(pem.encode())
    except dkim.crypto.UnparsableKeyError as error:
        raise ValueError("dkim_private_key_pem is not an RSA private key (PKCS#1 or PKCS#8 PEM)") from error
    return pem.encode()


def _ed25519_seed(pem: str) -> bytes:
    body = "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))
    der = base64.b64decode(body)
    if len(der) != 48 or not der.startswith(_ED25519_PKCS8_PREFIX):
        raise ValueError("dkim_private_key_pem is not a PKCS#8 Ed25519 private key")
    return base64.b64encode(der[len(_ED25519_PKCS8_PREFIX) :])
