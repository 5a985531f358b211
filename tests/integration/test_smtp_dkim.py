"""SmtpMailSender against a real SMTP server (aiosmtpd on 127.0.0.1): what arrives, its DKIM signature checked by
dkimpy's verifier, and how the server's refusals come back as provider errors."""

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import cast

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from emailseq.dal.smtp import SmtpConfig, SmtpMailSender
from emailseq.domain.errors import ProviderPermanentError, ProviderTemporaryError
from emailseq.domain.ports import OutgoingEmail

from tests.support.smtp_sink import HOST, SmtpSink, free_port, self_signed_tls, smtp_sink

SELECTOR, DOMAIN = "s2026", "mail.example.com"
SENDER = f"Example News <news@{DOMAIN}>"
T0 = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
WELCOME = OutgoingEmail(
    to="ada@example.com",
    subject="Welcome, Ada",
    html="<p>Hi Ada!</p><p>Glad you are here.</p>",
    text="Hi Ada!\n\nGlad you are here.\n",
    headers={"List-Unsubscribe": "<https://u.example.com/x>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
)
ALL_SIGNED = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "list-unsubscribe",
    "list-unsubscribe-post",
}


@dataclass(frozen=True)
class DkimKey:
    algorithm: str
    private_pem: str
    dns_txt: bytes


class FixedClock:
    def now(self) -> datetime:
        return T0


def _ed25519_key() -> DkimKey:
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return DkimKey("ed25519", pem.decode(), b"v=DKIM1; k=ed25519; p=" + base64.b64encode(raw))


def _rsa_key() -> DkimKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return DkimKey("rsa", pem.decode(), b"v=DKIM1; k=rsa; p=" + base64.b64encode(der))


@pytest.fixture(params=["ed25519", "rsa"])
def key(request: pytest.FixtureRequest) -> DkimKey:
    return _ed25519_key() if request.param == "ed25519" else _rsa_key()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with smtp_sink() as running:
        yield running


def _config(port: int, key: DkimKey, **changes: object) -> SmtpConfig:
    config = SmtpConfig(
        host=HOST,
        port=port,
        starttls=False,
        dkim_selector=SELECTOR,
        dkim_domain=DOMAIN,
        dkim_private_key_pem=key.private_pem,
        dkim_algorithm="ed25519" if key.algorithm == "ed25519" else "rsa",
    )
    return replace(config, **changes)  # type: ignore[arg-type]


def _verifies(raw: bytes, key: DkimKey) -> bool:
    # Answers only for <selector>._domainkey.<domain>, so a wrong s= or d= tag fails verification too.
    def dns(name: bytes, timeout: int = 5) -> bytes | None:
        return key.dns_txt if name.rstrip(b".") == f"{SELECTOR}._domainkey.{DOMAIN}".encode() else None

    return bool(dkim.verify(raw, dnsfunc=dns))


def _parsed(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)


def _text(message: EmailMessage, subtype: str) -> str:
    # The parts come back with the wire's CRLF line ends; compare them as the LF text that was composed.
    return str(cast(EmailMessage, message.get_body((subtype,))).get_content()).replace("\r\n", "\n")


def _signature_tags(raw: bytes) -> dict[str, str]:
    value = "".join(str(_parsed(raw)["DKIM-Signature"]).split())
    return dict(tag.split("=", 1) for tag in value.split(";") if tag)


def test_a_sent_email_arrives_as_multipart_alternative_with_a_dkim_signature_that_verifies(
    sink: SmtpSink, key: DkimKey
) -> None:
    # Given an SMTP server and a sender signing with the key / When the welcome email is sent
    message_id = SmtpMailSender(_config(sink.port, key), SENDER, FixedClock()).send(WELCOME)
    # Then exactly one message arrives, addressed on the envelope from the bare sender to ada
    [received] = sink.received
    assert (received.mail_from, received.rcpt_tos) == (f"news@{DOMAIN}", ["ada@example.com"])
    # And it is multipart/alternative with the text and the HTML part, under the Message-ID send returned
    message = _parsed(received.data)
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert _text(message, "plain") == WELCOME.text
    assert _text(message, "html").strip() == WELCOME.html
    assert message["Message-ID"] == message_id
    assert re.fullmatch(rf"<[^<>@\s]+@{re.escape(DOMAIN)}>", message_id)
    # And its DKIM signature uses the key's algorithm, covers every listed header, and verifies
    tags = _signature_tags(received.data)
    assert tags["a"] == f"{key.algorithm}-sha256"
    assert (tags["d"], tags["s"], tags["c"]) == (DOMAIN, SELECTOR, "relaxed/relaxed")
    assert set(tags["h"].lower().split(":")) == ALL_SIGNED
    assert _verifies(received.data, key)


def test_only_headers_present_are_signed(sink: SmtpSink) -> None:
    # Given an email without List-Unsubscribe headers / When sent
    SmtpMailSender(_config(sink.port, _ed25519_key()), SENDER, FixedClock()).send(replace(WELCOME, headers={}))
    # Then the signature lists the rest and not the absent ones
    tags = _signature_tags(sink.received[0].data)
    assert set(tags["h"].lower().split(":")) == ALL_SIGNED - {"list-unsubscribe", "list-unsubscribe-post"}


@pytest.mark.parametrize(
    ("before", "after"),
    [(b"Glad you are here.", b"Glad you are gone."), (b"Subject: Welcome, Ada", b"Subject: Welcome, Eve")],
    ids=["body", "subject"],
)
def test_a_tampered_message_fails_verification(sink: SmtpSink, key: DkimKey, before: bytes, after: bytes) -> None:
    # Given a signed email as it arrived
    SmtpMailSender(_config(sink.port, key), SENDER, FixedClock()).send(WELCOME)
    raw = sink.received[0].data
    assert _verifies(raw, key)
    # When a relay changes its body or a signed header
    tampered = raw.replace(before, after)
    assert tampered != raw
    # Then the signature no longer verifies
    assert not _verifies(tampered, key)


def test_non_ascii_subject_and_display_name_arrive_decoded_and_signed(sink: SmtpSink, key: DkimKey) -> None:
    # Given a sender and an email with non-ASCII names, subject and text
    email = replace(WELCOME, subject="Grüße, Zoë — ✓", text="Héllo Zoë\n", html="<p>Héllo Zoë</p>")
    sender = f"Zoë Ünal <news@{DOMAIN}>"
    # When sent
    SmtpMailSender(_config(sink.port, key), sender, FixedClock()).send(email)
    # Then subject, display name and text read back as written
    [received] = sink.received
    message = _parsed(received.data)
    assert message["Subject"] == "Grüße, Zoë — ✓"
    assert message["From"].addresses[0].display_name == "Zoë Ünal"
    assert _text(message, "plain") == "Héllo Zoë\n"
    # And the 8bit body was declared to the server and is covered by a signature that verifies
    assert "BODY=8BITMIME" in received.mail_options
    assert _verifies(received.data, key)


@pytest.mark.parametrize(
    ("reply", "error", "code"),
    [
        ("451 4.3.0 Try again later", ProviderTemporaryError, 451),
        ("550 5.1.1 No such mailbox", ProviderPermanentError, 550),
    ],
    ids=["451-temporary", "550-permanent"],
)
def test_a_refusal_at_data_raises_the_matching_provider_error(reply: str, error: type[Exception], code: int) -> None:
    # Given a server that answers DATA with the reply
    with smtp_sink(reply) as sink:
        sender = SmtpMailSender(_config(sink.port, _ed25519_key()), SENDER, FixedClock())
        # When an email is sent / Then the matching provider error carries the code, and nothing was kept
        with pytest.raises(error, match=str(code)) as raised:
            sender.send(WELCOME)
        assert getattr(raised.value, "code", None) == code
        assert sink.received == []


def test_an_unreachable_server_raises_a_temporary_error() -> None:
    # Given a port nothing listens on / When an email is sent / Then the failure is worth a retry
    sender = SmtpMailSender(_config(free_port(), _ed25519_key()), SENDER, FixedClock())
    with pytest.raises(ProviderTemporaryError, match="connection failed"):
        sender.send(WELCOME)


def test_starttls_and_auth_deliver_to_a_server_whose_certificate_is_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a server that requires TLS before AUTH, with a certificate the client trusts
    tls = self_signed_tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.cert_file))
    with smtp_sink(login=("relay-user", "s3cret"), tls=tls) as sink:
        key = _ed25519_key()
        config = _config(sink.port, key, starttls=True, username="relay-user", password="s3cret")
        # When an email is sent
        SmtpMailSender(config, SENDER, FixedClock()).send(WELCOME)
        # Then it arrives signed
        [received] = sink.received
        assert _verifies(received.data, key)


def test_wrong_credentials_raise_a_permanent_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a TLS server with one login, and a client with the wrong password
    tls = self_signed_tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.cert_file))
    with smtp_sink(login=("relay-user", "s3cret"), tls=tls) as sink:
        config = _config(sink.port, _ed25519_key(), starttls=True, username="relay-user", password="wrong")
        # When an email is sent / Then 535 comes back as permanent, and nothing was delivered
        with pytest.raises(ProviderPermanentError, match="535"):
            SmtpMailSender(config, SENDER, FixedClock()).send(WELCOME)
        assert sink.received == []


def test_an_untrusted_server_certificate_stops_the_send(tmp_path: Path) -> None:
    # Given a STARTTLS server whose self-signed certificate the client was never told to trust
    with smtp_sink(tls=self_signed_tls(tmp_path)) as sink:
        config = _config(sink.port, _ed25519_key(), starttls=True)
        # When an email is sent / Then it is refused before anything is handed over
        with pytest.raises(ProviderPermanentError, match="certificate"):
            SmtpMailSender(config, SENDER, FixedClock()).send(WELCOME)
        assert sink.received == []


@pytest.mark.parametrize(("make_key", "configured_as"), [(_rsa_key, "ed25519"), (_ed25519_key, "rsa")])
def test_a_key_that_does_not_match_the_algorithm_is_refused_at_start_up(
    make_key: Callable[[], DkimKey], configured_as: str
) -> None:
    # Given a key of one kind configured as the other
    config = _config(free_port(), replace(make_key(), algorithm=configured_as))
    # When the sender is built / Then it is refused there, naming the kind it expected, not at the first send
    with pytest.raises(ValueError, match="Ed25519" if configured_as == "ed25519" else "RSA"):
        SmtpMailSender(config, SENDER, FixedClock())
