"""SES v2 as the mail provider: the raw MIME message we build, so every header is ours."""

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from emailseq.dal.ses_feedback import send_tags
from emailseq.domain.errors import ProviderError, ProviderPermanentError, ProviderTemporaryError
from emailseq.domain.ports import Clock, MessageReferences, OutgoingEmail
from emailseq.rendering.message import build_mime

logger = Logger(child=True)


@dataclass(frozen=True)
class MessageArchive:
    """Every sent message as it left (raw MIME) in S3, for `view sent message` and compliance."""

    s3: Any
    bucket: str
    references: MessageReferences | None = None  # so a reply (In-Reply-To: this id) finds its contact

    def keep(self, email: OutgoingEmail, message_id: str, raw: bytes) -> None:
        # Under the contact, so an erasure finds (and deletes) every message sent to it with one listing.
        key = f"{_prefix(email.tenant_id or '_', email.contact_id or '_')}{message_id}.eml"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=raw, ContentType="message/rfc822")
        if self.references is not None and email.tenant_id and email.contact_id:
            self.references.remember(message_id, email.tenant_id, email.contact_id)

    def for_contact(self, tenant_id: str, contact_id: str) -> list[str]:
        return [key.rsplit("/", 1)[-1].removesuffix(".eml") for key in self._keys(tenant_id, contact_id)]

    def delete_for_contact(self, tenant_id: str, contact_id: str) -> int:
        keys = self._keys(tenant_id, contact_id)
        for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1,000 keys
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
        return len(keys)

    def _keys(self, tenant_id: str, contact_id: str) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=_prefix(tenant_id, contact_id)
        )
        return [item["Key"] for page in pages for item in page.get("Contents", [])]


def _prefix(tenant_id: str, contact_id: str) -> str:
    return f"messages/{tenant_id}/{contact_id}/"


class SesMailSender:
    def __init__(
        self,
        sesv2: Any,
        sender: str,
        clock: Clock,
        configuration_set: str | None = None,
        archive: MessageArchive | None = None,
    ) -> None:
        self._ses = sesv2
        self._sender = sender
        self._clock = clock
        self._configuration_set = configuration_set
        self._archive = archive

    def send(self, email: OutgoingEmail) -> str:
        raw = build_mime(email, self._sender, self._clock.now())
        request: dict[str, Any] = {
            "FromEmailAddress": email.from_address or self._sender,
            "Destination": {"ToAddresses": [email.to]},
            "Content": {"Raw": {"Data": raw}},
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        if email.tenant_id and email.contact_id:  # so bounces and complaints find their way back
            request["EmailTags"] = send_tags(email.tenant_id, email.contact_id)
        try:
            message_id = str(self._ses.send_email(**request)["MessageId"])
        except ClientError as error:
            raise _provider_error(error) from error
        if self._archive is not None:
            self._keep(email, message_id, raw)
        return message_id

    def _keep(self, email: OutgoingEmail, message_id: str, raw: bytes) -> None:
        # The email is out: nothing after this may fail the send, or the send-once guard forgets the attempt and
        # the retry sends the email again (the chaos run caught the reply reference's write doing so). So any
        # error, not only the SDK's, is logged and swallowed.
        assert self._archive is not None
        try:
            self._archive.keep(email, message_id, raw)
        except Exception:
            logger.warning("sent message not archived", extra={"message_id": message_id}, exc_info=True)


# SES answers these when it is busy or throttling the account: the send waits and is retried, never dropped.
_TEMPORARY = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "LimitExceededException",
    "ServiceUnavailable",
    "InternalFailure",
    "RequestTimeout",
}


def _provider_error(error: ClientError) -> ProviderError:
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code in _TEMPORARY:
        return ProviderTemporaryError(f"SES is throttling or unavailable ({code}); the send will be retried")
    return ProviderPermanentError(f"SES refused the message ({code}): {error}")
