"""Double opt-in: a request stores a pending consent and queues the confirmation email; the contact's click on
the signed link confirms it, recording when and from where.

The email goes through the queue (retried, dead-lettered, once per request) rather than from the API call, so a
slow or throttled provider never fails the request that asked for it.
"""

from dataclasses import dataclass
from datetime import datetime

from emailseq.domain.consent import Consent
from emailseq.domain.messages import SendOptInConfirmation
from emailseq.domain.ports import (
    AuditTrail,
    Clock,
    ConsentStore,
    ContactRepository,
    MailSender,
    OnceOnly,
    OptInQueue,
    TenantSettingsRepository,
)
from emailseq.logic.effects import from_tenant_sender
from emailseq.rendering.opt_in import compose_opt_in
from emailseq.rendering.tracking import LinkSigner, OptInClaim


@dataclass(frozen=True)
class OptInPorts:
    consents: ConsentStore
    queue: OptInQueue
    clock: Clock


@dataclass(frozen=True)
class ConfirmationPorts:
    contacts: ContactRepository
    consents: ConsentStore
    mailer: MailSender
    once: OnceOnly
    signer: LinkSigner
    settings: TenantSettingsRepository | None = None


def request_opt_in(
    ports: OptInPorts, tenant_id: str, contact_id: str, list_id: str, list_name: str, source: str
) -> Consent:
    """Ask the contact to confirm; a contact who confirmed before is not asked again."""
    consent = Consent.requested(tenant_id, contact_id, list_id, _to_millis(ports.clock.now()), source)
    stored = ports.consents.request(consent)
    if not stored.is_confirmed:
        order = SendOptInConfirmation(
            tenant_id=tenant_id,
            contact_id=contact_id,
            list_id=list_id,
            list_name=list_name,
            requested_at=stored.requested_at,
        )
        ports.queue.enqueue([order])
    return stored


def send_confirmation(ports: ConfirmationPorts, order: SendOptInConfirmation) -> str | None:
    """Email the confirmation link once per request; None when there is nothing to send any more."""
    consent = ports.consents.get(order.tenant_id, order.contact_id, order.list_id)
    if consent is None or consent.is_confirmed or consent.requested_at != order.requested_at:
        return None  # confirmed meanwhile, or a newer request has its own email
    contact = ports.contacts.get(order.tenant_id, order.contact_id)
    if contact is None or contact.unsubscribed:
        return None
    claim = OptInClaim(order.tenant_id, order.contact_id, order.list_id, order.requested_at.isoformat())
    email = from_tenant_sender(ports.settings, compose_opt_in(contact, order.list_name, ports.signer.opt_in_url(claim)))
    key = f"{order.tenant_id}/opt-in/{order.contact_id}/{order.list_id}/{claim.requested}"
    return ports.once.run(key, lambda: ports.mailer.send(email))


def confirm_opt_in(
    consents: ConsentStore,
    clock: Clock,
    claim: OptInClaim,
    ip: str | None,
    user_agent: str | None,
    audit: AuditTrail | None = None,
) -> Consent | None:
    """Record the confirmation (any genuine link of the contact's for that list will do); None when nothing was
    requested, e.g. the contact was erased since."""
    consent = consents.get(claim.tenant, claim.contact, claim.list)
    if consent is None or consent.is_confirmed:
        return consent
    confirmed = consent.confirmed(clock.now(), ip, user_agent)
    if not consents.confirm(confirmed):
        return consents.get(claim.tenant, claim.contact, claim.list)
    if audit is not None:
        audit.record(claim.tenant, "contact", "consent.confirmed", claim.contact, {"list": claim.list})
    return confirmed


def _to_millis(moment: datetime) -> datetime:
    # Stored times keep milliseconds: the order must name the request exactly as the store gives it back.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
