"""Choosing the provider and reading SES's quota: the sender's settings, the SMTP secret's shape, and the quota's
cache and fallback (with a stand-in SES client that answers or fails as told)."""

from typing import Any

import pytest
from emailseq.dal.secrets import SmtpSecret
from emailseq.dal.send_rate import FixedSendQuota, SesSendQuota
from emailseq.domain.rate import SendQuota
from emailseq.settings import SenderSettings
from pydantic import ValidationError

SENDER_ENV = {
    "EMAILSEQ_TABLE_NAME": "t",
    "EMAILSEQ_BUS_NAME": "b",
    "EMAILSEQ_IDEMPOTENCY_TABLE_NAME": "i",
    "EMAILSEQ_FROM_ADDRESS": "news@example.com",
    "EMAILSEQ_SIGNING_SECRET_ID": "s",
    "EMAILSEQ_PUBLIC_URL": "https://t.example.com",
    "EMAILSEQ_DATA_KEY_ID": "arn:aws:kms:us-east-1:123456789012:key/unit",
}
SECRET = {"host": "smtp.example.com", "dkim_domain": "example.com", "dkim_selector": "s1", "dkim_private_key": "PEM"}


def _sender_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> SenderSettings:
    for key, value in {**SENDER_ENV, **env}.items():
        monkeypatch.setenv(key, value)
    return SenderSettings()


def test_ses_is_the_default_provider(monkeypatch: pytest.MonkeyPatch):
    settings = _sender_settings(monkeypatch)
    assert (settings.mail_provider, settings.fallback_max_send_rate) == ("ses", 14.0)


def test_smtp_without_its_secret_is_refused_at_cold_start(monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(ValidationError, match="EMAILSEQ_SMTP_SECRET_ID is required"):
        _sender_settings(monkeypatch, EMAILSEQ_MAIL_PROVIDER="smtp")


def test_an_unknown_provider_is_refused(monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(ValidationError, match="mail_provider"):
        _sender_settings(monkeypatch, EMAILSEQ_MAIL_PROVIDER="sendmail")


def test_the_smtp_secret_defaults_to_starttls_on_587_with_ed25519():
    secret = SmtpSecret.model_validate(SECRET)
    assert (secret.port, secret.tls, secret.dkim_algorithm, secret.username) == (587, "starttls", "ed25519", None)
    assert "PEM" not in repr(secret)  # the key stays out of logs


@pytest.mark.parametrize(
    ("change", "field"),
    [({"dkim_selector": None}, "dkim_selector"), ({"tls": "ssl"}, "tls"), ({"hostname": "x"}, "hostname")],
)
def test_a_bad_smtp_secret_names_the_field(change: dict[str, Any], field: str):
    data = {key: value for key, value in {**SECRET, **change}.items() if value is not None}
    with pytest.raises(ValidationError, match=field):
        SmtpSecret.model_validate(data)


class StandInSes:
    """Answers GetAccount with `quota`, or raises `error`; counts the calls."""

    def __init__(self, quota: dict[str, float] | None = None, error: Exception | None = None) -> None:
        self.quota, self.error, self.calls = quota, error, 0

    def get_account(self) -> dict[str, Any]:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return {"SendQuota": self.quota}


def test_the_quota_is_read_from_ses_and_kept_for_a_while():
    ses = StandInSes({"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 12.0})
    source = SesSendQuota(ses, fallback_rate=3.0, cache_seconds=300)
    assert source.current() == SendQuota(14.0, 50000.0, 12.0)
    assert source.current() == SendQuota(14.0, 50000.0, 12.0)
    assert ses.calls == 1


def test_when_ses_cannot_tell_the_quota_the_fallback_rate_is_used_and_asked_again_later():
    ses = StandInSes(error=NotImplementedError("GetAccount"))
    source = SesSendQuota(ses, fallback_rate=3.0, cache_seconds=0)
    assert source.current() == SendQuota(max_send_rate=3.0)
    source.current()
    assert ses.calls == 2


def test_without_ses_the_quota_is_the_configured_rate():
    assert FixedSendQuota(7.0).current() == SendQuota(max_send_rate=7.0)
