"""Delivery feedback: SES bounce and complaint notifications (via SNS) → suppress the contact."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.dal.ses_feedback import read_feedback
from emailseq.logic.feedback import handle_feedback
from emailseq.observability import SNS_MESSAGE, count, observed
from emailseq.settings import FunctionSettings
from emailseq.wiring import feedback_ports

logger = Logger(service="feedback")
ports = feedback_ports(FunctionSettings())


@observed(logger, SNS_MESSAGE)
@event_source(data_class=SNSEvent)
def handler(event: SNSEvent, context: LambdaContext) -> dict[str, Any]:
    suppressed = 0
    for record in event.records:
        feedback = read_feedback(record.sns.message)
        if feedback is not None:
            suppressed += handle_feedback(ports, feedback)
            logger.info("delivery feedback", extra={"kind": feedback.kind, "message_id": feedback.message_id})
    count("ContactsSuppressed", suppressed)
    return {"suppressed": suppressed}
