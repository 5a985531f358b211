"""Once SES has accepted an email, nothing after it may fail the send: the send-once guard would forget the
attempt and the retry would send the email again. The chaos run found the reply lookup's write (remembering whom
the message went to) raising inside the guard and doubling 7 emails in 2,500."""

from typing import Any

from emailseq.dal.mail import MessageArchive, SesMailSender
from emailseq.domain.ports import OutgoingEmail
from fakes import FakeClock


class _Ses:
    def __init__(self) -> None:
        self.sent = 0

    def send_email(self, **request: Any) -> dict[str, str]:
        self.sent += 1
        return {"MessageId": f"ses-{self.sent}"}


class _S3:
    def __init__(self) -> None:
        self.kept: list[str] = []

    def put_object(self, **request: Any) -> None:
        self.kept.append(request["Key"])


class _BrokenReferences:
    def remember(self, message_id: str, tenant_id: str, contact_id: str) -> None:
        raise RuntimeError("the data table refused the write")


def test_a_failing_reference_write_after_the_send_does_not_fail_the_send():
    # Given a sender whose archive's reply references cannot be written
    ses, s3 = _Ses(), _S3()
    archive = MessageArchive(s3, "archive", _BrokenReferences())
    sender = SesMailSender(ses, "news@example.com", FakeClock(), archive=archive)
    email = OutgoingEmail(to="ada@example.com", subject="Hi", html="<p>Hi</p>", text="Hi", tenant_id="t1",
                          contact_id="c1")  # fmt: skip
    # When the email is sent
    message_id = sender.send(email)
    # Then SES took it once, the raw message is archived, and the send reports success
    assert (message_id, ses.sent) == ("ses-1", 1)
    assert s3.kept == ["messages/t1/c1/ses-1.eml"]
