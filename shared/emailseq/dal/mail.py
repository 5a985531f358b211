"""SES v2 as the mail provider: the raw MIME message we build, so every header is ours."""

from typing import Any

from emailseq.domain.ports import Clock, OutgoingEmail
from emailseq.rendering.message import build_mime


class SesMailSender:
    def __init__(self, sesv2: Any, sender: str, clock: Clock, configuration_set: str | None = None) -> None:
        self._ses = sesv2
        self._sender = sender
        self._clock = clock
        self._configuration_set = configuration_set

    def send(self, email: OutgoingEmail) -> str:
        request: dict[str, Any] = {
            "FromEmailAddress": self._sender,
            "Destination": {"ToAddresses": [email.to]},
            "Content": {"Raw": {"Data": build_mime(email, self._sender, self._clock.now())}},
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        return str(self._ses.send_email(**request)["MessageId"])
