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

BACKFILL_PAGE = 200
MAX_MEMBERS_PER_CALL = 100


@dataclass(frozen=True)
class AudiencePorts:
    audiences: AudienceStore
    contacts: ContactBatches
    work: WorkQueue
    clock: Clock


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


def change_list_members(
    ports: AudiencePorts, tenant_id: str, list_id: str, emails: list[str], contact_ids: list[str], member: bool
) -> tuple[list[Contact], list[str]]:
    """Add (or remove) contacts named by email or id; the contacts changed and what named no contact."""
    if ports.audiences.get_list(tenant_id, list_id) is None:
        raise NotFound("list", list_id)
    if len(emails) + len(contact_ids) > MAX_MEMBERS_PER_CALL:
        raise InvalidInput("emails", f"at most {MAX_MEMBERS_PER_CALL} contacts per call")
    found = ports.contacts.get_many(tenant_id, contact_ids) if contact_ids else []
    missing = sorted(set(contact_ids) - {c.contact_id for c in found})
    for email in emails:
        contact = ports.contacts.find_by_email(tenant_id, email)
        found, missing = ([*found, contact], missing) if contact else (found, [*missing, email])
    changed = [
        updated
        for contact in found
        if (updated := ports.contacts.set_list_membership(tenant_id, contact.contact_id, list_id, member))
    ]
    ports.audiences.set_list_members(tenant_id, list_id, [c.contact_id for c in changed], member, ports.clock.now())
    refresh_segments(ports.audiences, changed, ports.clock)
    return changed, missing
