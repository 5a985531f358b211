"""The subject-line bandit's figures in the sequence report: per arm its sends, rate and P(best)."""

from pydantic import BaseModel

from emailseq.domain.ai.bandit import probability_best
from emailseq.domain.ports import ArmStore
from emailseq.domain.steps import EmailStep


class ArmReport(BaseModel):
    subject: str
    sends: int
    successes: int  # opens or clicks, as `reward` says
    rate: float
    probability_best: float  # P(this arm has the highest true rate | the counts so far)
    reward: str


def arm_reports(store: ArmStore | None, tenant_id: str, sequence_id: str, step: EmailStep) -> list[ArmReport] | None:
    """None for a step with one subject (or where arms are not kept)."""
    if store is None or step.email.subjects is None:
        return None
    reward = step.email.bandit.reward if step.email.bandit else "opens"
    stats = store.stats(tenant_id, sequence_id, step.id, len(step.email.subjects))[reward]
    best = probability_best(stats, key=f"{sequence_id}/{step.id}")
    return [
        ArmReport(
            subject=subject,
            sends=arm.sends,
            successes=arm.successes,
            rate=round(arm.rate, 4),
            probability_best=round(chance, 4),
            reward=reward,
        )
        for subject, arm, chance in zip(step.email.subjects, stats, best, strict=True)
    ]
