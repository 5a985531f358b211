"""Effects of the step worker, each performed once: the email (rendered, tracked, addressed), an attribute
update, a webhook; keyed on (enrollment, instruction) for the once-only guard."""

from dataclasses import dataclass, replace
from typing import Any

from emailseq.domain.engine import CallWebhook, Effect, SendEmail, Transition, UpdateAttributes
from emailseq.domain.enrollment import Enrollment
from emailseq.domain.ports import (
    Clock,
    Contact,
    ContactRepository,
    EnrollmentStore,
    EventBus,
    MailSender,
    OnceOnly,
    OrderReads,
    OutgoingEmail,
    SendCaps,
    SendQuotaSource,
    SendRateLimiter,
    SequenceRepository,
    TenantSettingsRepository,
    WebhookCaller,
)
from emailseq.logic.engagement import AiPorts, choose_subject, send_key
from emailseq.logic.recommendations import ContactRecommendations, ContentSource
from emailseq.logic.throttle import take_send_slot
from emailseq.rendering.compose import Tracking, compose
from emailseq.rendering.recommend import no_recommendations
from emailseq.rendering.tracking import LinkSigner, TrackedSend


@dataclass(frozen=True)
class StepPorts:
    contacts: ContactRepository
    sequences: SequenceRepository
    enrollments: EnrollmentStore
    mailer: MailSender
    once: OnceOnly
    bus: EventBus
    clock: Clock
    webhooks: WebhookCaller
    signer: LinkSigner | None = None
    unsubscribe_mailto: str = "unsubscribe@example.com"
    settings: TenantSettingsRepository | None = None
    caps: SendCaps | None = None
    limiter: SendRateLimiter | None = None  # the per-second send windows; no rate limit when left out
    quota: SendQuotaSource | None = None
    ai: AiPorts | None = None  # engagement histories, subject-line arms, scores; none of the AI layer when left out
    content: ContentSource | None = None  # recommend(collection, n) in templates; renders nothing when left out
    reads: OrderReads | None = None  # an order's three reads in one request; three separate reads when left out


def effect_key(enrollment: Enrollment, transition: Transition) -> str:
    return f"{enrollment.tenant_id}/{enrollment.enrollment_id}/v{enrollment.version}/{transition.effect_at}"


def perform(ports: StepPorts, transition: Transition, enrollment: Enrollment, contact: Contact) -> str:
    effect: Effect | None = transition.effect
    key = effect_key(enrollment, transition)
    if isinstance(effect, SendEmail):
        step = choose_subject(
            ports.ai, effect.step, enrollment.tenant_id, enrollment.sequence_id, _send_key(enrollment, effect.step.id)
        )
        recommend = (
            ContactRecommendations(ports.content, contact.tenant_id, contact.contact_id) if ports.content else None
        )
        tracked = compose(step, contact, _tracking(ports, enrollment, step.id), recommend or no_recommendations)
        email = _addressed(ports, enrollment, tracked)
        return ports.once.run(key, lambda: _send(ports, enrollment.tenant_id, email))
    if isinstance(effect, UpdateAttributes):
        values = dict(effect.step.update_attribute)
        return ports.once.run(key, lambda: _set(ports, contact, values))
    if isinstance(effect, CallWebhook):
        body = {
            **effect.step.webhook.body,
            "contact_id": contact.contact_id,
            "sequence_id": enrollment.sequence_id,
            "step_id": effect.step.id,
        }
        url, private = str(effect.step.webhook.url), _private_targets_allowed(ports, enrollment.tenant_id)
        return ports.once.run(key, lambda: str(ports.webhooks.post(url, body, key, allow_private=private)))
    raise AssertionError(f"no effect to perform: {effect}")


def _send_key(enrollment: Enrollment, step_id: str) -> str:
    return send_key(enrollment.sequence_id, enrollment.contact_id, enrollment.generation, step_id)


def _addressed(ports: StepPorts, enrollment: Enrollment, email: OutgoingEmail) -> OutgoingEmail:
    """Whose email it is (archive, bounce tags) and who it is from (the tenant's sender, when configured)."""
    email = replace(email, tenant_id=enrollment.tenant_id, contact_id=enrollment.contact_id)
    return from_tenant_sender(ports.settings, email)


def from_tenant_sender(settings: TenantSettingsRepository | None, email: OutgoingEmail) -> OutgoingEmail:
    """The tenant's From / Reply-To, when it configured them (else the deployment's default sender)."""
    if settings is None:
        return email
    chosen = settings.get(email.tenant_id)
    return replace(email, from_name=chosen.from_name, from_address=chosen.from_address, reply_to=chosen.reply_to)


def _private_targets_allowed(ports: StepPorts, tenant_id: str) -> bool:
    return ports.settings is not None and ports.settings.get(tenant_id).allow_private_webhook_targets


def _send(ports: StepPorts, tenant_id: str, email: OutgoingEmail) -> str:
    if ports.limiter is not None and ports.quota is not None:
        take_send_slot(ports.limiter, ports.quota, ports.settings, tenant_id, ports.clock.now())
    return ports.mailer.send(email)


def _set(ports: StepPorts, contact: Contact, values: dict[str, Any]) -> str:
    ports.contacts.set_attributes(contact.tenant_id, contact.contact_id, values)
    return "updated"


def _tracking(ports: StepPorts, enrollment: Enrollment, step_id: str) -> Tracking | None:
    if ports.signer is None:
        return None
    send = TrackedSend(
        enrollment.tenant_id, enrollment.contact_id, enrollment.sequence_id, enrollment.generation, step_id
    )
    return Tracking(ports.signer, send, ports.unsubscribe_mailto)
