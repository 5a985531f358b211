"""The scheduled trainer: per tenant, the engagement / churn model from its contacts' histories.

Each run keeps today's features of every contact (a dated snapshot in S3) and, once a snapshot `horizon` days old
exists, labels those contacts by what happened since (churned: no open and no click after the snapshot), fits
the model on 80 % of them (split by a hash of the contact id), measures AUC on the other 20 % and stores the
model with that figure. A tenant with too few contacts, or with only one class, keeps its previous model.
"""

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from emailseq.domain.ai.fit import fit_logistic
from emailseq.domain.ai.score import EngagementProfile, auc, features
from emailseq.domain.ports import Clock, EngagementStore, ScoreModels

MIN_CONTACTS = 50


@dataclass(frozen=True)
class TrainPorts:
    engagement: EngagementStore
    models: ScoreModels
    clock: Clock


@dataclass(frozen=True)
class Trained:
    tenant_id: str
    outcome: str  # trained | no_snapshot | too_few | one_class
    contacts: int = 0
    auc: float | None = None


def train_all(ports: TrainPorts, horizon: timedelta) -> list[Trained]:
    return [train_tenant(ports, tenant_id, horizon) for tenant_id in ports.engagement.tenants()]


def train_tenant(ports: TrainPorts, tenant_id: str, horizon: timedelta) -> Trained:
    now = ports.clock.now()
    profiles = dict(ports.engagement.profiles(tenant_id))
    ports.models.save_snapshot(tenant_id, _day(now), {cid: features(p, now) for cid, p in profiles.items()})
    past = ports.models.snapshot(tenant_id, _day(now - horizon))
    if past is None:
        return Trained(tenant_id, "no_snapshot")
    since = now - horizon
    labelled = [(row, _churned(profiles.get(cid), since), cid) for cid, row in past.items()]
    if len(labelled) < MIN_CONTACTS:
        return Trained(tenant_id, "too_few", len(labelled))
    train = [(row, label) for row, label, cid in labelled if not held_out(cid)]
    test = [(row, label) for row, label, cid in labelled if held_out(cid)]
    if any(len({label for _, label in part}) < 2 for part in (train, test)):
        return Trained(tenant_id, "one_class", len(labelled))
    model = fit_logistic([row for row, _ in train], [label for _, label in train])
    measured = auc([label for _, label in test], [model.churn(row) for row, _ in test])
    ports.models.save_model(tenant_id, replace(model, auc=measured))
    return Trained(tenant_id, "trained", len(labelled), measured)


def _churned(profile: EngagementProfile | None, since: datetime) -> int:
    """1 when the contact neither opened nor clicked after `since` (an erased contact counts as churned)."""
    if profile is None:
        return 1
    moments = [m for m in (profile.last_opened_at, profile.last_clicked_at) if m is not None]
    return 0 if any(m > since for m in moments) else 1


def held_out(contact_id: str) -> bool:
    return hashlib.sha256(contact_id.encode()).digest()[0] < 52  # ~20 %, the same contacts every run


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")
