"""Segments and lists: definitions, members, and re-evaluation when a contact's data changes."""

import uuid
from dataclasses import dataclass

from emailseq.domain.errors import Conflict, InvalidInput, NotFound
from emailseq.domain.ports import (
    AudienceStore,
    BackfillPage,
    Clock,
    Contact,
    ContactBatches,
    ContactList,
    StoredSegment,
    WorkQueue,
)
from emailseq.domain.segments import DIRECTORY_SHARDS, SegmentDefinition, evaluate
from emailseq.logic.opt_in import OptInPorts, request_opt_in

BACKFILL_PAGE = 200
MAX_MEMBERS_PER_CALL = 100


@dataclass(frozen=True)
class AudiencePorts:
    audiences: AudienceStore
    contacts: ContactBatches
    work: WorkQueue
    clock: Clock
    opt_in: OptInPorts | None = None  # lists that ask for double opt-in: members join when they confirm


@dataclass(frozen=True)
class SegmentHook:
    """What a function that changes contacts (enroller, tracking) needs to keep their segments current."""

    audiences: AudienceStore
    contacts: ContactBatches


def refresh_segments(audiences: AudienceStore, contacts: list[Contact], clock: Clock) -> int:
    """Re-evaluate every segment of the tenant for these changed contacts; the number of evaluations."""
    if not contacts:
        return 0
    segments = audiences.all_segments(contacts[0].tenant_id)
    if not segments:
        return 0
    now = clock.now()
    changes = [(s.segment_id, c.contact_id, evaluate(s.definition, c, now)) for c in contacts for s in segments]
    audiences.set_segment_members(contacts[0].tenant_id, changes, now)
    return len(changes)


def define_segment(
    ports: AudiencePorts, tenant_id: str, segment_id: str, definition: SegmentDefinition
) -> StoredSegment:
    """Create or redefine a segment; its members are then backfilled over the tenant's contacts, shard by shard."""
    for condition in definition.conditions:
        list_id = getattr(condition, "member_of", None)
        if list_id is not None and ports.audiences.get_list(tenant_id, list_id) is None:
            raise InvalidInput("conditions.member_of", f"no list '{list_id}'")
    stored = StoredSegment(segment_id, definition, ports.clock.now())
    ports.audiences.put_segment(tenant_id, stored)
    ports.work.send([BackfillPage(tenant_id, segment_id, shard) for shard in range(DIRECTORY_SHARDS)])
    return stored


def backfill_page(ports: AudiencePorts, order: BackfillPage) -> int:
    """Evaluate a new segment for one page of contacts and queue the next page; the contacts evaluated."""
    segment = ports.audiences.get_segment(order.tenant_id, order.segment_id)
    if segment is None:
        return 0  # deleted meanwhile
    page = ports.audiences.directory(order.tenant_id, order.shard, order.cursor, BACKFILL_PAGE)
    now = ports.clock.now()
    changes = [(segment.segment_id, c.contact_id, evaluate(segment.definition, c, now)) for c in page.items]
    ports.audiences.set_segment_members(order.tenant_id, changes, now)
    if page.cursor:
        ports.work.send([BackfillPage(order.tenant_id, order.segment_id, order.shard, page.cursor)])
    return len(page.items)


def create_list(ports: AudiencePorts, tenant_id: str, name: str, double_opt_in: bool) -> ContactList:
    created = ContactList(uuid.uuid4().hex[:16], name, double_opt_in, ports.clock.now())
    ports.audiences.put_list(tenant_id, created)
    return created


def delete_list(ports: AudiencePorts, tenant_id: str, list_id: str) -> None:
    if ports.audiences.get_list(tenant_id, list_id) is None:
        raise NotFound("list", list_id)
    if ports.audiences.members(tenant_id, "list", list_id, None, 1).items:
        raise Conflict(f"list '{list_id}' still has members: remove them first")
    ports.audiences.delete_list(tenant_id, list_id)


@dataclass(frozen=True)
class MembersChange:
    changed: list[Contact]  # joined (or left) the list now
    missing: list[str]  # what named no contact
    pending: list[Contact]  # asked to confirm first (a double opt-in list): they join when they do


def change_list_members(
    ports: AudiencePorts, tenant_id: str, list_id: str, emails: list[str], contact_ids: list[str], member: bool
) -> MembersChange:
    """Add (or remove) contacts named by email or id. A double opt-in list takes only contacts who confirmed
    (for that list); the others get the confirmation email and join on their click (join_confirmed_list)."""
    found_list = ports.audiences.get_list(tenant_id, list_id)
    if found_list is None:
        raise NotFound("list", list_id)
    if len(emails) + len(contact_ids) > MAX_MEMBERS_PER_CALL:
        raise InvalidInput("emails", f"at most {MAX_MEMBERS_PER_CALL} contacts per call")
    found = ports.contacts.get_many(tenant_id, contact_ids) if contact_ids else []
    missing = sorted(set(contact_ids) - {c.contact_id for c in found})
    for email in emails:
        contact = ports.contacts.find_by_email(tenant_id, email)
        found, missing = ([*found, contact], missing) if contact else (found, [*missing, email])
    pending: list[Contact] = []
    if member and found_list.double_opt_in:
        found, pending = _confirmed_or_asked(ports, found_list, found)
    changed = _set_members(ports.audiences, ports.contacts, ports.clock, tenant_id, list_id, found, member)
    return MembersChange(changed, missing, pending)


def join_confirmed_list(hook: SegmentHook, clock: Clock, tenant_id: str, contact_id: str, list_id: str) -> bool:
    """A contact confirmed its subscription: it joins the list (and the segments that follow from it)."""
    contact = hook.contacts.get(tenant_id, contact_id)
    if contact is None:
        return False
    return bool(_set_members(hook.audiences, hook.contacts, clock, tenant_id, list_id, [contact], True))


def _confirmed_or_asked(
    ports: AudiencePorts, contact_list: ContactList, contacts: list[Contact]
) -> tuple[list[Contact], list[Contact]]:
    if ports.opt_in is None:
        raise Conflict(f"list '{contact_list.list_id}' asks for double opt-in, which is not configured here")
    confirmed: list[Contact] = []
    asked: list[Contact] = []
    for contact in contacts:
        consent = request_opt_in(
            ports.opt_in, contact.tenant_id, contact.contact_id, contact_list.list_id, contact_list.name, "api"
        )
        (confirmed if consent.is_confirmed else asked).append(contact)
    return confirmed, asked


def _set_members(
    audiences: AudienceStore,
    contacts: ContactBatches,
    clock: Clock,
    tenant_id: str,
    list_id: str,
    found: list[Contact],
    member: bool,
) -> list[Contact]:
    changed = [
        updated
        for contact in found
        if (updated := contacts.set_list_membership(tenant_id, contact.contact_id, list_id, member))
    ]
    audiences.set_list_members(tenant_id, list_id, [c.contact_id for c in changed], member, clock.now())
    refresh_segments(audiences, changed, clock)
    return changed
