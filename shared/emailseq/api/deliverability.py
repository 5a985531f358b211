"""The deliverability part of a preview's answer: the spam score and the rules behind it, or why there is none."""

from pydantic import BaseModel, Field

from emailseq.logic.deliverability import Deliverability


class SpamRuleOut(BaseModel):
    name: str = Field(examples=["MISSING_DATE"])
    score: float
    description: str


class DeliverabilityOut(BaseModel):
    available: bool = Field(description="False when no spam checker is configured or it did not answer.")
    reason: str | None = Field(default=None, description="Why there is no score (when not available).")
    checker: str = "spamassassin"
    score: float | None = None
    threshold: float | None = Field(default=None, description="At or above it, the message counts as spam.")
    is_spam: bool | None = None
    rules: list[SpamRuleOut] = Field(default=[], description="The rules that weigh most, largest first.")


def deliverability_out(checked: Deliverability) -> DeliverabilityOut:
    report = checked.report
    if report is None:
        return DeliverabilityOut(available=False, reason=checked.reason)
    return DeliverabilityOut(
        available=True,
        score=report.score,
        threshold=report.threshold,
        is_spam=report.is_spam,
        rules=[SpamRuleOut(name=r.name, score=r.score, description=r.description) for r in report.top_rules()],
    )
