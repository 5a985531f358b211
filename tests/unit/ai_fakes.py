"""In-memory fakes of the AI layer's ports (EngagementStore, ArmStore, ScoreModels), same contracts as the
DynamoDB / S3 adapters: an arm is kept at its first assignment, a reward counts once per (send, kind)."""

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from emailseq.domain.ai.bandit import ArmStats
from emailseq.domain.ai.score import EngagementProfile, ScoreModel
from emailseq.domain.ai.send_time import OpenHistogram
from emailseq.domain.ports import ContactEngagement
from emailseq.logic.engagement import AiPorts


@dataclass
class FakeEngagementStore:
    contacts: dict[tuple[str, str], ContactEngagement] = field(default_factory=dict)
    groups: dict[tuple[str, str], OpenHistogram] = field(default_factory=dict)

    def record_send(self, tenant_id: str, contact_id: str, at: datetime, groups: list[str]) -> None:
        now = self.history(tenant_id, contact_id)
        hours = OpenHistogram(now.hours.sends + 1, now.hours.opens)
        profile = replace(now.profile, sends=now.profile.sends + 1, last_sent_at=at)
        self.contacts[(tenant_id, contact_id)] = ContactEngagement(hours, profile)
        for group in groups:
            self.groups[(tenant_id, group)] = self.pooled(tenant_id, group) + OpenHistogram(1, {})

    def record_open(self, tenant_id: str, contact_id: str, hour: int, at: datetime, groups: list[str]) -> None:
        now = self.history(tenant_id, contact_id)
        profile = replace(now.profile, opens=now.profile.opens + 1, last_opened_at=at)
        self.contacts[(tenant_id, contact_id)] = ContactEngagement(now.hours + OpenHistogram(0, {hour: 1}), profile)
        for group in groups:
            self.groups[(tenant_id, group)] = self.pooled(tenant_id, group) + OpenHistogram(0, {hour: 1})

    def record_click(self, tenant_id: str, contact_id: str, at: datetime) -> None:
        now = self.history(tenant_id, contact_id)
        profile = replace(now.profile, clicks=now.profile.clicks + 1, last_clicked_at=at)
        self.contacts[(tenant_id, contact_id)] = ContactEngagement(now.hours, profile)

    def history(self, tenant_id: str, contact_id: str) -> ContactEngagement:
        return self.contacts.get((tenant_id, contact_id), ContactEngagement(OpenHistogram(), EngagementProfile()))

    def pooled(self, tenant_id: str, group: str) -> OpenHistogram:
        return self.groups.get((tenant_id, group), OpenHistogram())

    def profiles(self, tenant_id: str) -> Iterator[tuple[str, EngagementProfile]]:
        for (tenant, contact_id), engagement in list(self.contacts.items()):
            if tenant == tenant_id:
                yield contact_id, engagement.profile

    def tenants(self) -> list[str]:
        return sorted({tenant for tenant, _ in self.groups if self.groups[(tenant, "tenant")].sends})


@dataclass
class FakeArmStore:
    assigned: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    rewarded: set[tuple[str, str, str, str, str]] = field(default_factory=set)
    counts: dict[tuple[str, str, str, str, int], int] = field(default_factory=dict)

    def assign(self, tenant_id: str, sequence_id: str, step_id: str, send_key: str, arm: int) -> int:
        key = (tenant_id, sequence_id, step_id, send_key)
        if key not in self.assigned:
            self.assigned[key] = arm
            self._add(tenant_id, sequence_id, step_id, "sends", arm)
        return self.assigned[key]

    def reward(self, tenant_id: str, sequence_id: str, step_id: str, send_key: str, kind: str) -> bool:
        key = (tenant_id, sequence_id, step_id, send_key)
        if key not in self.assigned or (*key, kind) in self.rewarded:
            return False
        self.rewarded.add((*key, kind))
        self._add(tenant_id, sequence_id, step_id, kind, self.assigned[key])
        return True

    def stats(self, tenant_id: str, sequence_id: str, step_id: str, arms: int) -> dict[str, list[ArmStats]]:
        def count(kind: str, arm: int) -> int:
            return self.counts.get((tenant_id, sequence_id, step_id, kind, arm), 0)

        return {
            kind: [ArmStats(count("sends", arm), count(kind, arm)) for arm in range(arms)]
            for kind in ("opens", "clicks")
        }

    def _add(self, tenant_id: str, sequence_id: str, step_id: str, kind: str, arm: int) -> None:
        key = (tenant_id, sequence_id, step_id, kind, arm)
        self.counts[key] = self.counts.get(key, 0) + 1


@dataclass
class FakeScoreModels:
    models: dict[str, ScoreModel] = field(default_factory=dict)
    snapshots: dict[tuple[str, str], dict[str, list[float]]] = field(default_factory=dict)

    def model(self, tenant_id: str) -> ScoreModel | None:
        return self.models.get(tenant_id)

    def save_model(self, tenant_id: str, model: ScoreModel) -> None:
        self.models[tenant_id] = model

    def snapshot(self, tenant_id: str, day: str) -> dict[str, list[float]] | None:
        return self.snapshots.get((tenant_id, day))

    def save_snapshot(self, tenant_id: str, day: str, rows: dict[str, list[float]]) -> None:
        self.snapshots[(tenant_id, day)] = rows


def fake_ai() -> tuple[AiPorts, FakeEngagementStore, FakeArmStore, FakeScoreModels]:
    engagement, arms, models = FakeEngagementStore(), FakeArmStore(), FakeScoreModels()
    return AiPorts(engagement, arms, models), engagement, arms, models
