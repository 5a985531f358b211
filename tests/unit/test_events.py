"""record_event: a contact event is claimed once per id, then published; a failed publish gives the claim back."""

import pytest
from builders import contact_event
from emailseq.logic.events import record_event
from fakes import TENANT, BusError, World


def test_a_new_event_is_claimed_and_published_once(world: World) -> None:
    # Given an event id never seen
    event = contact_event(event_id="evt-1")
    # When it is recorded
    accepted = record_event(world.event_log, world.bus, event)
    # Then it is new, its id is claimed, and it is on the bus
    assert accepted is True
    assert world.event_log.claimed == {(TENANT, "evt-1")}
    assert world.bus.contact_events == [event]


def test_the_same_id_again_is_a_duplicate_and_publishes_nothing(world: World) -> None:
    # Given an event already recorded
    record_event(world.event_log, world.bus, contact_event(event_id="evt-1"))
    # When a request with the same id comes again (a client retry), even with other content
    again = record_event(world.event_log, world.bus, contact_event("other_type", event_id="evt-1"))
    # Then it is reported a duplicate and nothing more is published
    assert again is False
    assert len(world.bus.contact_events) == 1
    assert world.bus.contact_events[0].type == "signed_up"


def test_the_same_id_in_another_tenant_is_a_different_event(world: World) -> None:
    record_event(world.event_log, world.bus, contact_event(event_id="evt-1", tenant_id="acme"))
    assert record_event(world.event_log, world.bus, contact_event(event_id="evt-1", tenant_id="globex")) is True
    assert [e.tenant_id for e in world.bus.contact_events] == ["acme", "globex"]


def test_a_bus_failure_raises_and_releases_the_claim(world: World) -> None:
    # Given a bus that fails once
    world.bus.fail_contact_events(1)
    # When an event is recorded / Then the failure reaches the caller (who answers 5xx, so the client retries)
    with pytest.raises(BusError):
        record_event(world.event_log, world.bus, contact_event(event_id="evt-1"))
    # And the id is not kept as taken in
    assert world.event_log.claimed == set()
    assert world.bus.contact_events == []


def test_a_retry_after_a_bus_failure_is_not_treated_as_a_duplicate(world: World) -> None:
    # Given a first attempt that failed on the bus
    world.bus.fail_contact_events(1)
    event = contact_event(event_id="evt-1")
    with pytest.raises(BusError):
        record_event(world.event_log, world.bus, event)
    # When the client retries with the same id / Then it is taken in and published exactly once
    assert record_event(world.event_log, world.bus, event) is True
    assert world.bus.contact_events == [event]
    # And a further retry is a duplicate
    assert record_event(world.event_log, world.bus, event) is False
    assert world.bus.contact_events == [event]
