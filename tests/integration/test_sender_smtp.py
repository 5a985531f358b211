"""The real sender handler configured for SMTP (mailProvider: smtp): its settings and DKIM key come from the
Secrets Manager secret emailseq/<stage>/smtp, and the welcome email arrives at a real SMTP server (aiosmtpd,
started here) DKIM-signed, with a signature dkimpy verifies."""

import base64
import json
from email import message_from_bytes, policy

import dkim
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.integration.conftest import _aws
from tests.support.smtp_sink import HOST, smtp_sink

SELECTOR, DOMAIN = "s2026", "mail.example.com"


def _ed25519_key() -> tuple[str, bytes]:
    """A PKCS#8 PEM private key and the DNS TXT record that publishes its public half."""
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return pem.decode(), b"v=DKIM1; k=ed25519; p=" + base64.b64encode(raw)


def _enroll_ada(stack) -> None:
    detail = {
        "tenant_id": "t1",
        "id": "evt-ada",
        "type": "signed_up",
        "contact": {"email": "ada@example.com", "first_name": "Ada"},
        "properties": {},
        "occurred_at": "2024-03-13T15:23:48.271000Z",
    }
    assert stack.cold_start("enroller").invoke(stack.enroller_event(detail)) == {"batchItemFailures": []}


def test_the_sender_configured_for_smtp_delivers_a_dkim_signed_email_that_verifies(stack, welcome_sequence):
    # Given an SMTP server, and the deployment's SMTP secret naming it and an Ed25519 DKIM key
    private_pem, dns_txt = _ed25519_key()
    with smtp_sink() as sink:
        secret = {
            "host": HOST,
            "port": sink.port,
            "tls": "none",
            "dkim_domain": DOMAIN,
            "dkim_selector": SELECTOR,
            "dkim_private_key": private_pem,
            "dkim_algorithm": "ed25519",
        }
        secret_id = stack.function_env("sender")["EMAILSEQ_SMTP_SECRET_ID"]
        assert secret_id == "emailseq/test/smtp"  # the name serverless.yml gives the stage's secret
        _aws("secretsmanager").create_secret(Name=secret_id, SecretString=json.dumps(secret))
        sender = stack.cold_start("sender", EMAILSEQ_MAIL_PROVIDER="smtp")  # reads the secret at cold start
        stack.put_sequence(welcome_sequence)
        _enroll_ada(stack)

        # When the sender handles Ada's welcome order
        (order,) = stack.deliver("SendQueue", sender)

    # Then the email arrived at the SMTP server, not at SES
    (received,) = sink.received
    assert received.rcpt_tos == ["ada@example.com"]
    assert stack.sent_emails() == []
    message = message_from_bytes(received.data, policy=policy.default)
    assert (message["Subject"], message.get_content_type()) == ("Welcome, Ada", "multipart/alternative")
    # And it is DKIM-signed by the domain, over the one-click unsubscribe headers too, and the signature verifies
    signature = str(message["DKIM-Signature"])
    assert f"d={DOMAIN};" in signature
    assert f"s={SELECTOR};" in signature
    assert "a=ed25519-sha256;" in signature
    assert "list-unsubscribe-post" in signature.lower()

    def dns(name: bytes, timeout: int = 5) -> bytes | None:
        return dns_txt if name.rstrip(b".") == f"{SELECTOR}._domainkey.{DOMAIN}".encode() else None

    assert dkim.verify(received.data, dnsfunc=dns)
    # And the send is booked as any other: the enrollment moved past the welcome email
    body = json.loads(order["Body"])
    assert stack.enrollment_item(body["contact_id"], "welcome")["cursor"] != body["cursor"]


def test_a_sender_configured_for_smtp_without_its_secret_stops_at_cold_start(stack):
    # Given mailProvider smtp but no secret created: the sender cannot start rather than fail every send later
    with pytest.raises(ClientError, match="ResourceNotFound"):
        stack.cold_start("sender", EMAILSEQ_MAIL_PROVIDER="smtp")
