"""Analytics: each domain event counted once per business key on its day and step, conversions credited to the last
email clicked within the window, the daily series dense and zero-filled, exports neutralised against CSV injection."""

import csv
import io
from dataclasses import replace
from datetime import date, timedelta

import pytest
from builders import contact, email, sequence, started
from emailseq.domain.analytics import LastClick, attributed_step, tally_for
from emailseq.domain.errors import InvalidInput
from emailseq.domain.messages import (
    ContactEnrolled,
    ContactUnsubscribed,
    EmailOpened,
    EmailSent,
    EnrollmentConverted,
    LinkClicked,
)
from emailseq.domain.ports import Contact
from emailseq.logic.analytics import AnalyticsPorts, daily, record
from emailseq.logic.exports import COLUMNS, ExportPorts, export_events
from emailseq.logic.tracking import record_click, record_open, unsubscribe
from emailseq.rendering.tracking import Claim, TrackedSend
from fakes import T0, TENANT, FakeAnalyticsStore, FakeFiles, World

SEQ = "onboarding"


def _sent(step: str = "welcome", message_id: str = "m-1", contact_id: str = "c-1", at=T0) -> EmailSent:
    return EmailSent(
        tenant_id=TENANT, contact_id=contact_id, sequence_id=SEQ, step_id=step, message_id=message_id, sent_at=at
    )


def _opened(machine: bool = False, step: str = "welcome", at=T0) -> EmailOpened:
    return EmailOpened(
        tenant_id=TENANT, contact_id="c-1", sequence_id=SEQ, step_id=step, generation=1, machine=machine, opened_at=at
    )


def _clicked(step: str, at, contact_id: str = "c-1") -> LinkClicked:
    return LinkClicked(
        tenant_id=TENANT,
        contact_id=contact_id,
        sequence_id=SEQ,
        step_id=step,
        generation=1,
        url="https://x",
        clicked_at=at,
    )


def _converted(at, contact_id: str = "c-1") -> EnrollmentConverted:
    return EnrollmentConverted(
        tenant_id=TENANT, contact_id=contact_id, sequence_id=SEQ, goal_event="purchased", converted_at=at
    )


@pytest.fixture
def ports() -> AnalyticsPorts:
    return AnalyticsPorts(FakeAnalyticsStore(), attribution_window=timedelta(days=7))


def _day(ports: AnalyticsPorts, step: str | None, day: date | None = None) -> dict[str, int]:
    on = (day or T0.date()).isoformat()
    return dict(ports.store.days.get((TENANT, SEQ, on, step), {}))  # type: ignore[attr-defined]


def test_a_redelivered_event_is_counted_once(ports):
    # Given an email sent
    # When its EmailSent arrives three times (SQS redelivery, a retried batch)
    results = [record(ports, _sent()) for _ in range(3)]

    # Then it counts once on its day and step
    assert results == [True, False, False]
    assert _day(ports, "welcome") == {"sent": 1}


def test_two_emails_of_the_same_step_count_twice(ports):
    # Given two different messages of one step (two contacts)
    record(ports, _sent(message_id="m-1", contact_id="c-1"))
    record(ports, _sent(message_id="m-2", contact_id="c-2"))

    # Then the step's day counter says 2: the business key is the message, not the step
    assert _day(ports, "welcome") == {"sent": 2}


def test_human_and_machine_opens_are_counted_apart(ports):
    # Given an Apple Mail Privacy Protection prefetch and then a person opening the same email
    record(ports, _opened(machine=True))
    record(ports, _opened(machine=False))
    record(ports, _opened(machine=False))  # redelivered

    # Then each is counted once, under its own metric
    assert _day(ports, "welcome") == {"machine_opened": 1, "opened": 1}


def test_events_land_on_the_day_they_happened(ports):
    # Given sends on two days
    record(ports, _sent(message_id="m-1", at=T0))
    record(ports, _sent(message_id="m-2", at=T0 + timedelta(days=1)))

    # When the series of three days is read
    series = daily(ports, TENANT, SEQ, ["welcome", "tips"], T0.date(), T0.date() + timedelta(days=2))

    # Then every day and every step is there, zeros included
    assert [d.day for d in series] == [(T0.date() + timedelta(days=n)).isoformat() for n in range(3)]
    assert [d.steps["welcome"]["sent"] for d in series] == [1, 1, 0]
    assert [d.steps["tips"]["sent"] for d in series] == [0, 0, 0]
    assert series[0].steps["welcome"]["opened"] == 0


def test_enrollments_and_conversions_are_the_sequences_own_counters(ports):
    # Given an enrollment and a conversion without any click
    record(ports, ContactEnrolled(tenant_id=TENANT, contact_id="c-1", sequence_id=SEQ, version=1, enrolled_at=T0))
    record(ports, _converted(T0 + timedelta(hours=2)))

    # Then the sequence's day counts both, and no step gets the conversion
    series = daily(ports, TENANT, SEQ, ["welcome"], T0.date(), T0.date())
    assert series[0].totals == {"enrolled": 1, "converted": 1}
    assert series[0].steps["welcome"]["converted"] == 0
    assert ports.store.totals == {}  # type: ignore[attr-defined]


def test_a_conversion_is_credited_to_the_last_email_clicked_within_the_window(ports):
    # Given clicks on "welcome" and later on "tips", then a conversion two days after the last click
    record(ports, _clicked("welcome", T0))
    record(ports, _clicked("tips", T0 + timedelta(days=1)))
    record(ports, _converted(T0 + timedelta(days=3)))

    # Then "tips" gets the conversion, on its running total and on the conversion's day
    assert ports.store.totals == {(TENANT, SEQ, "tips"): {"converted": 1}}  # type: ignore[attr-defined]
    assert _day(ports, "tips", (T0 + timedelta(days=3)).date()) == {"converted": 1}
    assert _day(ports, None, (T0 + timedelta(days=3)).date()) == {"converted": 1}


def test_a_click_older_than_the_window_gets_no_credit(ports):
    # Given a click eight days before the conversion (the window is seven)
    record(ports, _clicked("welcome", T0))
    record(ports, _converted(T0 + timedelta(days=8)))

    # Then the conversion is counted for the sequence, for no email
    assert ports.store.totals == {}  # type: ignore[attr-defined]
    assert _day(ports, None, (T0 + timedelta(days=8)).date()) == {"converted": 1}


def test_a_late_delivered_older_click_does_not_replace_the_newer_one(ports):
    # Given the click on "tips" processed before an older click on "welcome" (queues do not keep order)
    record(ports, _clicked("tips", T0 + timedelta(days=1)))
    record(ports, _clicked("welcome", T0))
    record(ports, _converted(T0 + timedelta(days=2)))

    # Then the newer click, on "tips", is the last one
    assert ports.store.totals == {(TENANT, SEQ, "tips"): {"converted": 1}}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("clicked_after", "expected"),
    [(timedelta(0), "welcome"), (timedelta(days=7), "welcome"), (timedelta(days=7, seconds=1), None)],
)
def test_the_window_bounds_are_inclusive(clicked_after, expected):
    last = LastClick("welcome", T0)
    assert attributed_step(last, T0 + clicked_after, timedelta(days=7)) == expected


def test_a_click_after_the_conversion_is_not_its_cause():
    assert attributed_step(LastClick("welcome", T0 + timedelta(minutes=1)), T0, timedelta(days=7)) is None


def test_an_unsubscribe_outside_any_sequence_counts_nothing():
    event = ContactUnsubscribed(tenant_id=TENANT, contact_id="c-1", source="link", unsubscribed_at=T0)
    assert tally_for(event) is None


def test_a_daily_range_is_checked(ports):
    with pytest.raises(InvalidInput, match="before from"):
        daily(ports, TENANT, SEQ, [], T0.date(), T0.date() - timedelta(days=1))
    with pytest.raises(InvalidInput, match="at most 366 days"):
        daily(ports, TENANT, SEQ, [], T0.date(), T0.date() + timedelta(days=400))


def test_tracking_publishes_the_first_open_click_and_unsubscribe_only():
    # Given Ada's enrollment (generation 2) in a sequence with a welcome email, and tracking wired to the bus
    world = World()
    document = sequence(email("welcome"))
    world.given_sequence(document)
    world.contacts.add(contact("Ada"))
    enrollment = started(document, generation=2)
    assert world.enrollments.create(enrollment)
    tracking = replace(world.tracking_ports(), bus=world.bus)
    send = TrackedSend(TENANT, "contact-1", document.id, 2, "welcome")

    # When the pixel is fetched twice, the link clicked twice and the unsubscribe link used twice
    for _ in range(2):
        record_open(tracking, Claim("o", send))
        record_click(tracking, Claim("c", send, "https://example.com/a"))
        unsubscribe(tracking, Claim("u", send), source="link")

    # Then one of each is published, naming the email's sequence, step and enrollment generation
    kinds = [type(fact).__name__ for fact in world.bus.facts]
    assert kinds == ["EmailOpened", "LinkClicked", "ContactUnsubscribed"]
    assert {(f.sequence_id, f.step_id) for f in world.bus.facts} == {(document.id, "welcome")}
    assert world.bus.facts[0].generation == 2  # type: ignore[union-attr]


class _Directory:
    """The contacts an export reads addresses from (only get_many is used)."""

    def __init__(self, *known: Contact) -> None:
        self.known = {c.contact_id: c for c in known}

    def get_many(self, tenant_id: str, contact_ids: list[str]) -> list[Contact]:
        return [self.known[c] for c in contact_ids if c in self.known]


def test_an_export_has_one_neutralised_row_per_event_with_the_contacts_address(ports):
    # Given a send to Eve and her click on a link whose URL reads like a spreadsheet formula
    eve = replace(contact("Eve"), contact_id="c-eve", email="eve@example.com")
    record(ports, _sent(contact_id=eve.contact_id))
    clicked = _clicked("welcome", T0 + timedelta(minutes=5), contact_id=eve.contact_id)
    record(ports, clicked.model_copy(update={"url": '=HYPERLINK("http://evil")'}))
    files = FakeFiles()
    export = ExportPorts(analytics=ports.store, files=files, contacts=_Directory(eve), clock=World().clock)  # type: ignore[arg-type]

    # When the day is exported
    done = export_events(export, TENANT, SEQ, T0.date(), T0.date())

    # Then the CSV has the header and both rows; the formula is made text; the link names the file
    (text,) = files.objects.values()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == COLUMNS
    assert [(r["event"], r["email"], r["step_id"]) for r in rows] == [
        ("email.sent", "eve@example.com", "welcome"),
        ("email.clicked", "eve@example.com", "welcome"),
    ]
    assert rows[1]["url"] == '\'=HYPERLINK("http://evil")'
    assert done.rows == 2
    assert done.url.startswith(f"https://bucket.example/exports/{TENANT}/{SEQ}/{done.export_id}.csv")
