"""Segments kept current where contacts change (events, tracking, lists), backfills, and CSV imports — the use
cases against in-memory fakes."""

from dataclasses import replace
from datetime import timedelta

import pytest
from audience_fakes import FakeAudienceStore, FakeContactBatches, FakeImportFiles, FakeImportStore, FakeWorkQueue
from emailseq.domain.attributes import AttributeType
from emailseq.domain.errors import Conflict
from emailseq.domain.imports import ImportStatus
from emailseq.domain.messages import ContactData, RecordEvent
from emailseq.domain.ports import BackfillPage, ImportChunk, StoredSegment
from emailseq.domain.segments import SegmentDefinition
from emailseq.logic.enroll import EnrollPorts, handle_contact_event
from emailseq.logic.imports import ImportPorts, create_import, import_chunk, start_import
from emailseq.logic.opt_in import OptInPorts
from emailseq.logic.segments import (
    AudiencePorts,
    SegmentHook,
    backfill_page,
    change_list_members,
    create_list,
    define_segment,
    delete_list,
    join_confirmed_list,
)
from emailseq.logic.tracking import TrackingPorts, record_click
from emailseq.rendering.tracking import Claim, TrackedSend
from fakes import TENANT, FakeConsentStore, FakeOrderQueue, World

PRO = SegmentDefinition.model_validate(
    {"name": "Pro", "conditions": [{"attribute": "plan", "op": "eq", "value": "pro"}]}
)


@pytest.fixture
def parts(world: World):
    contacts = FakeContactBatches()
    world.contacts = contacts
    audiences = FakeAudienceStore(contacts)
    return AudiencePorts(audiences, contacts, FakeWorkQueue(), world.clock)


def _members(ports: AudiencePorts, kind: str, owner: str) -> set[str]:
    return {e.contact_id for e in ports.audiences.members(TENANT, kind, owner, None, 500).items}


def test_an_event_that_changes_an_attribute_moves_the_contact_into_and_out_of_a_segment(world, parts):
    # Given the Pro segment and the enroller with the segment hook
    parts.audiences.put_segment(TENANT, _stored("pro", PRO, world))
    ports = EnrollPorts(
        world.contacts,
        world.sequences,
        world.enrollments,
        world.queue,
        world.bus,
        world.clock,
        segments=SegmentHook(parts.audiences, parts.contacts),
    )

    def event(plan: str) -> RecordEvent:
        contact = ContactData(email="ada@example.com", attributes={"plan": plan})
        return RecordEvent(
            tenant_id=TENANT, id=plan, type="plan.changed", contact=contact, occurred_at=world.clock.now()
        )

    # When Ada upgrades, then downgrades
    handle_contact_event(ports, event("pro"))
    ada = world.contacts.find_by_email(TENANT, "ada@example.com")
    assert _members(parts, "segment", "pro") == {ada.contact_id}
    handle_contact_event(ports, event("free"))

    # Then she is out again, with no rebuild in between
    assert _members(parts, "segment", "pro") == set()


def test_a_click_puts_the_contact_in_an_engagement_segment_until_n_days_later(world, parts):
    clicked = SegmentDefinition.model_validate(
        {"name": "c", "conditions": [{"engagement": "clicked", "within_days": 3}]}
    )
    parts.audiences.put_segment(TENANT, _stored("clicked", clicked, world))
    ada = parts.contacts.upsert(TENANT, ContactData(email="ada@example.com"))
    ports = TrackingPorts(
        parts.contacts, world.enrollments, world.clock, segments=SegmentHook(parts.audiences, parts.contacts)
    )

    # When Ada clicks a link of an email (the enrollment has moved on: the click still counts as engagement)
    record_click(
        ports, Claim(kind="c", send=TrackedSend(TENANT, ada.contact_id, "welcome", 1, "welcome"), url="https://x")
    )

    # Then she is a member until three days after the click, and her profile remembers the open and the click
    (entry,) = parts.audiences.members(TENANT, "segment", "clicked", None, 10).items
    assert entry.until == world.clock.now() + timedelta(days=3)
    assert parts.contacts.get(TENANT, ada.contact_id).last_opened_at == world.clock.now()


def test_list_members_by_email_and_id_with_unknown_ones_named_and_list_segments_following(world, parts):
    ada = parts.contacts.upsert(TENANT, ContactData(email="ada@example.com"))
    bob = parts.contacts.upsert(TENANT, ContactData(email="bob@example.com"))
    beta = create_list(parts, TENANT, "Beta", double_opt_in=False)
    in_beta = SegmentDefinition.model_validate({"name": "b", "conditions": [{"member_of": beta.list_id}]})
    define_segment(parts, TENANT, "in-beta", in_beta)

    change = change_list_members(
        parts, TENANT, beta.list_id, ["ada@example.com", "nobody@example.com"], [bob.contact_id, "f" * 32], True
    )
    changed, missing = change.changed, change.missing

    assert {c.contact_id for c in changed} == {ada.contact_id, bob.contact_id}
    assert missing == ["f" * 32, "nobody@example.com"]
    assert _members(parts, "list", beta.list_id) == {ada.contact_id, bob.contact_id}
    assert _members(parts, "segment", "in-beta") == {ada.contact_id, bob.contact_id}
    # And a list with members cannot be deleted; emptied, it can
    with pytest.raises(Conflict):
        delete_list(parts, TENANT, beta.list_id)
    change_list_members(parts, TENANT, beta.list_id, [], [ada.contact_id, bob.contact_id], False)
    assert _members(parts, "segment", "in-beta") == set()
    delete_list(parts, TENANT, beta.list_id)
    assert parts.audiences.get_list(TENANT, beta.list_id) is None


def test_a_new_segment_is_backfilled_shard_by_shard_page_by_page(world, parts):
    # Given 450 contacts, a third of them pro
    for n in range(450):
        parts.contacts.upsert(
            TENANT, ContactData(email=f"u{n}@example.com", attributes={"plan": "pro" if n % 3 == 0 else "free"})
        )

    # When the segment is defined, and the work queue is worked until empty
    define_segment(parts, TENANT, "pro", PRO)
    assert sorted(o.shard for o in parts.work.orders if isinstance(o, BackfillPage)) == list(range(8))
    evaluated = 0
    while orders := parts.work.take():
        evaluated += sum(backfill_page(parts, order) for order in orders if isinstance(order, BackfillPage))

    # Then every contact was evaluated once and the pro ones are members
    assert evaluated == 450
    assert len(_members(parts, "segment", "pro")) == 150


def _stored(segment_id, definition, world):
    return StoredSegment(segment_id, definition, world.clock.now())


# --- imports --------------------------------------------------------------------------------------------------


@pytest.fixture
def importing(world: World, parts: AudiencePorts) -> ImportPorts:
    return ImportPorts(
        FakeImportStore(), FakeImportFiles(), parts.contacts, parts.audiences, parts.work, world.clock, chunk_rows=4
    )


def _upload(ports: ImportPorts, text: str) -> str:
    record, url = create_import(ports, TENANT)
    assert record.source_key in url
    ports.files.objects[record.source_key] = text.encode()
    return record.import_id


def test_an_upload_is_cut_into_chunks_at_byte_offsets_that_continue_the_line_count(importing):
    text = (
        'email,note\na@example.com,x\nb@example.com,"two\nlines"\n\nc@example.com,y\nd@example.com,z\ne@example.com,w\n'
    )
    import_id = _upload(importing, text)

    chunks = start_import(importing, TENANT, import_id)

    assert [(c.index, c.line, c.rows) for c in chunks] == [(0, 2, 4), (1, 8, 1)]
    assert text.encode()[chunks[1].offset :].startswith(b"e@example.com")
    assert importing.imports.get(TENANT, import_id).total == 5
    assert importing.work.orders == chunks


def test_chunks_import_good_rows_report_bad_ones_count_once_and_finish(importing, parts):
    parts.audiences.declare(TENANT, "age", AttributeType.NUMBER)
    lines = ["email,age"] + [f"u{n}@example.com,{n}" for n in range(2, 9)] + ["=bad,1", "u10@example.com,ten"]
    import_id = _upload(importing, "\n".join(lines) + "\n")
    chunks = start_import(importing, TENANT, import_id)

    # When the chunks run in reverse order, and the first one twice
    for chunk in [*reversed(chunks), chunks[0]]:
        assert isinstance(chunk, ImportChunk)
        import_chunk(importing, chunk)

    # Then the counts add up once, and the report lists the bad rows by line, neutralised
    record = importing.imports.get(TENANT, import_id)
    assert (record.status, record.total, record.good, record.bad) == (ImportStatus.DONE, 9, 7, 2)
    report = importing.files.objects[record.report_key].decode().splitlines()
    assert report[0] == "line,column,reason"
    assert [row.split(",")[:2] for row in report[1:]] == [["9", "email"], ["10", "age"]]
    assert parts.contacts.find_by_email(TENANT, "u8@example.com").attributes == {"age": 8}


def test_a_repeated_upload_event_starts_nothing(importing):
    import_id = _upload(importing, "email\na@example.com\n")
    assert start_import(importing, TENANT, import_id)
    assert start_import(importing, TENANT, import_id) == []


def test_a_double_opt_in_list_takes_a_contact_only_once_it_confirmed(world, parts):
    # Given a double opt-in list and Ada, a contact
    consents, orders = FakeConsentStore(), FakeOrderQueue()
    parts = replace(parts, opt_in=OptInPorts(consents, orders, world.clock))
    ada = parts.contacts.upsert(TENANT, ContactData(email="ada@example.com"))
    news = create_list(parts, TENANT, "News", double_opt_in=True)

    # When an editor adds her
    change = change_list_members(parts, TENANT, news.list_id, ["ada@example.com"], [], True)

    # Then she is not a member yet: she is asked to confirm (one confirmation email queued)
    assert (change.changed, [c.contact_id for c in change.pending]) == ([], [ada.contact_id])
    assert _members(parts, "list", news.list_id) == set()
    (order,) = orders.orders
    assert (order.contact_id, order.list_id, order.list_name) == (ada.contact_id, news.list_id, "News")

    # When she confirms (the tracking function records it and lets her join)
    consent = consents.get(TENANT, ada.contact_id, news.list_id)
    assert consent is not None
    consents.confirm(consent.confirmed(world.clock.now(), "203.0.113.7", "Mozilla/5.0"))
    hook = SegmentHook(parts.audiences, parts.contacts)
    assert join_confirmed_list(hook, world.clock, TENANT, ada.contact_id, news.list_id)

    # Then she is a member; added again later, she joins at once and is not asked twice
    assert _members(parts, "list", news.list_id) == {ada.contact_id}
    again = change_list_members(parts, TENANT, news.list_id, [], [ada.contact_id], True)
    assert ([c.contact_id for c in again.changed], again.pending) == ([ada.contact_id], [])
    assert len(orders.orders) == 1
