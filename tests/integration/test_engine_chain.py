"""Flow 9: the step engine through the real chain (API → bus → enroller → send queue → sender, and the scheduler
when time passes): branches on opens, wait_until woken by an event or its timeout, goals, send windows and
re-enrollment. Time passes by cold-starting functions with EMAILSEQ_CLOCK_OFFSET_SECONDS."""

import json
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

DAY = 24 * 3600
BERLIN = ZoneInfo("Europe/Berlin")


def _email(step_id, subject, html=None):
    return {"id": step_id, "email": {"subject": subject, "html": html or f"<p>{subject}</p>"}}


def _later(seconds):
    return {"EMAILSEQ_CLOCK_OFFSET_SECONDS": str(seconds)}


def _sign_up(stack, *addresses, event_type="signed_up", prefix="evt"):
    """Each address posts an event (of `event_type`) through the API, which puts it on the bus for the enroller."""
    for address in addresses:
        accepted = stack.post_event({"id": f"{prefix}-{address}", "type": event_type, "contact": {"email": address}})
        assert accepted.status == 202, accepted


def _contact_id(stack, address):
    found = stack.find_contact(address)
    assert found.status == 200, found
    return found.body["id"]


def _subjects(stack, address):
    return [message["Subject"] for message in stack.sent_to(address)]


def _tick(stack, offset_seconds):
    """One scheduler run at now + offset, and the sender (same clock) handling what it queued; returns how many."""
    queued = stack.cold_start("scheduler", **_later(offset_seconds)).invoke(stack.scheduled_event())["queued"]
    stack.deliver("SendQueue", stack.cold_start("sender", **_later(offset_seconds)))
    return queued


def test_a_branch_on_opened_follows_then_for_the_contact_who_opened_and_else_for_the_one_who_did_not(stack):
    # Given a sequence: welcome → wait 1d → branch on `opened: welcome` (then: tips, else: reminder)
    sequence = {
        "id": "nurture",
        "name": "Nurture",
        "trigger": {"event": "signed_up"},
        "steps": [
            _email("welcome", "Welcome", "<p>Hello!</p><p><a href='https://example.com/docs'>Docs</a></p>"),
            {"wait": "1d"},
            {
                "id": "opened-welcome",
                "branch": {
                    "if": {"opened": "welcome"},
                    "then": [_email("tips", "Three tips")],
                    "else": [_email("reminder", "Did you miss this?")],
                },
            },
        ],
    }
    assert stack.put_sequence(sequence).status == 200
    # And Ada and Bob signed up and got the welcome
    _sign_up(stack, "ada@example.com", "bob@example.com")
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))
    stack.deliver("SendQueue", stack.cold_start("sender"))
    (ada_welcome,) = stack.sent_to("ada@example.com")
    assert _subjects(stack, "bob@example.com") == ["Welcome"]

    # When Ada's mail client loads the open pixel before the wait ends, and Bob never opens his
    assert stack.follow(stack.pixel(ada_welcome)).status == 200
    # And a day later the scheduler and the sender run
    assert _tick(stack, DAY + 60) == 2

    # Then Ada went down `then` and Bob down `else`, one email each, and both journeys are complete
    assert _subjects(stack, "ada@example.com") == ["Welcome", "Three tips"]
    assert _subjects(stack, "bob@example.com") == ["Welcome", "Did you miss this?"]
    report = stack.report("nurture")
    assert (report["enrolled"], report["completed"]) == (2, 2)
    assert [(s["id"], s["sent"]) for s in report["steps"]] == [("welcome", 2), ("tips", 1), ("reminder", 1)]


ACTIVATION = {
    "id": "activation",
    "name": "Activation",
    "trigger": {"event": "signed_up"},
    "steps": [
        _email("welcome", "Welcome"),
        {"wait_until": {"event": "activated", "timeout": "3d"}},
        _email("next-steps", "Next steps"),
    ],
}


def test_wait_until_continues_when_the_event_arrives_or_else_when_the_timeout_runs_out(stack):
    # Given the activation sequence (welcome → wait_until `activated`, at most 3d → next steps)
    assert stack.put_sequence(ACTIVATION).status == 200
    enroller = stack.cold_start("enroller")
    sender = stack.cold_start("sender")
    # And Ada and Bob welcomed, both now waiting for `activated`
    _sign_up(stack, "ada@example.com", "bob@example.com")
    stack.deliver("EnrollQueue", enroller)
    stack.deliver("SendQueue", sender)
    ada, bob = _contact_id(stack, "ada@example.com"), _contact_id(stack, "bob@example.com")
    for contact in (ada, bob):
        assert stack.enrollment_item(contact, "activation")["waiting_for"] == "activated"
    assert stack.cold_start("scheduler").invoke(stack.scheduled_event()) == {"queued": 0}

    # When Ada's `activated` event is posted to the API and reaches the enroller through the bus and enroll queue
    accepted = stack.post_event(
        {"id": "evt-ada-activated", "type": "activated", "contact": {"email": "ada@example.com"}}
    )
    assert accepted.status == 202
    assert len(stack.deliver("EnrollQueue", enroller)) == 1

    # Then the enroller woke her enrollment and queued one step order for it, at the wait_until
    (order,) = stack.drain("SendQueue")
    assert {k: v for k, v in json.loads(order["Body"]).items() if k in ("contact_id", "cursor")} == {
        "contact_id": ada,
        "cursor": 1,
    }
    # And when the sender runs it, Ada gets the next email at once, without waiting for the timeout
    assert sender.invoke(stack.sqs_event("SendQueue", [order])) == {"batchItemFailures": []}
    assert _subjects(stack, "ada@example.com") == ["Welcome", "Next steps"]
    assert _subjects(stack, "bob@example.com") == ["Welcome"]
    assert stack.enrollment_item(ada, "activation")["status"] == "completed"
    assert stack.enrollment_item(ada, "activation")["facts_events"] == {"activated"}

    # When the timeout has not run out yet (2 days on), nothing is due for Bob
    assert _tick(stack, 2 * DAY) == 0
    # And when it has (3 days and a minute on)
    assert _tick(stack, 3 * DAY + 60) == 1

    # Then Bob continues on the timeout, and each got each email once
    assert _subjects(stack, "bob@example.com") == ["Welcome", "Next steps"]
    assert _subjects(stack, "ada@example.com") == ["Welcome", "Next steps"]
    assert stack.report("activation")["completed"] == 2


def test_a_goal_reached_during_a_wait_stops_the_journey_and_is_reported_as_a_conversion(stack, welcome_sequence):
    # Given Ada welcomed by the welcome sequence (welcome → wait 2d → follow-up; goal: purchased)
    assert stack.put_sequence(welcome_sequence).status == 200
    _sign_up(stack, "ada@example.com")
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))
    stack.deliver("SendQueue", stack.cold_start("sender"))
    ada = _contact_id(stack, "ada@example.com")

    # When a day into the wait she purchases, and the event goes API → bus → enroll queue → enroller
    stack.post_event({"id": "evt-ada-purchased", "type": "purchased", "contact": {"email": "ada@example.com"}})
    stack.deliver("EnrollQueue", stack.cold_start("enroller", **_later(DAY)))

    # Then her enrollment is converted and out of the due index
    enrollment = stack.enrollment_item(ada, "welcome")
    assert enrollment["status"] == "converted"
    assert "due_at" not in enrollment
    assert "due_pk" not in enrollment
    # And when the wait would have ended, nothing is due and no follow-up goes out, even for an order for the
    # follow-up that was already on its way (a copy queued before the conversion)
    assert _tick(stack, 2 * DAY + 60) == 0
    stale = json.dumps(
        {"tenant_id": "t1", "contact_id": ada, "sequence_id": "welcome", "version": 1, "generation": 1, "cursor": 2}
    )
    late_sender = stack.cold_start("sender", **_later(2 * DAY + 60))
    assert late_sender.invoke({"Records": [stack.sqs_record("SendQueue", stale)]}) == {"batchItemFailures": []}
    assert _subjects(stack, "ada@example.com") == ["Welcome, there"]
    # And the report shows the conversion
    report = stack.report("welcome")
    assert (report["enrolled"], report["converted"], report["completed"]) == (1, 1, 0)
    assert [(s["id"], s["sent"]) for s in report["steps"]] == [("welcome", 1), ("follow-up", 0)]


# A Friday 18:00 in Berlin whose weekend ends daylight saving time: Monday 09:00 is CET (UTC+1), Friday was CEST.
FRIDAY_EVENING = datetime(2025, 10, 24, 18, 0, tzinfo=BERLIN)
MONDAY_OPENING = datetime(2025, 10, 27, 9, 0, tzinfo=BERLIN)


def test_a_send_window_defers_the_first_email_from_friday_evening_to_monday_morning_in_berlin(stack):
    # Given a sequence whose emails may only go out Mon-Fri 09:00-17:00 Berlin time
    sequence = {
        "id": "office-hours",
        "name": "Office hours",
        "trigger": {"event": "signed_up"},
        "send_window": {
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "from": "09:00",
            "to": "17:00",
            "timezone": "Europe/Berlin",
        },
        "steps": [_email("hello", "Hello")],
    }
    assert stack.put_sequence(sequence).status == 200
    # And the functions' clocks reading Friday 18:00 in Berlin
    friday = _later(stack.offset_to(FRIDAY_EVENING))

    # When Ada (no timezone of her own) signs up then, and the enroller and the sender handle it
    _sign_up(stack, "ada@example.com")
    stack.deliver("EnrollQueue", stack.cold_start("enroller", **friday))
    (order,) = stack.deliver("SendQueue", stack.cold_start("sender", **friday))

    # Then no email went out, and her enrollment is due when the window opens: Monday 09:00 Berlin (08:00 UTC)
    assert stack.sent_emails() == []
    enrollment = stack.enrollment_item(_contact_id(stack, "ada@example.com"), "office-hours")
    assert enrollment["due_at"] == "2025-10-27T08:00:00.000Z"
    assert (enrollment["status"], enrollment["cursor"]) == ("active", 0)
    # And over the weekend, up to a minute before the window opens, the scheduler finds nothing due and an early copy
    # of the order sends nothing
    for moment in (datetime(2025, 10, 25, 12, 0, tzinfo=BERLIN), MONDAY_OPENING - timedelta(minutes=1)):
        offset = stack.offset_to(moment)
        assert _tick(stack, offset) == 0
        early = stack.cold_start("sender", **_later(offset)).invoke(stack.sqs_event("SendQueue", [order]))
        assert early == {"batchItemFailures": []}
        assert stack.sent_emails() == []

    # When the window opens on Monday
    assert _tick(stack, stack.offset_to(MONDAY_OPENING + timedelta(seconds=30))) == 1

    # Then the email goes out, dated Monday 09:00 in Berlin
    (hello,) = stack.sent_to("ada@example.com")
    sent_at = parsedate_to_datetime(hello["Date"]).astimezone(BERLIN)
    assert MONDAY_OPENING <= sent_at < MONDAY_OPENING + timedelta(minutes=1)
    assert stack.report("office-hours")["completed"] == 1


def test_reenroll_after_30d_lets_the_trigger_enroll_again_after_30_days_but_not_before(stack):
    # Given a one-email sequence that may be re-entered 30 days after an enrollment ended
    sequence = {
        "id": "monthly",
        "name": "Monthly report",
        "trigger": {"event": "report_requested"},
        "reenroll": "after 30d",
        "steps": [_email("report", "Your report")],
    }
    assert stack.put_sequence(sequence).status == 200
    # And Ada enrolled by the trigger and sent the email (the enrollment is complete)
    _sign_up(stack, "ada@example.com", event_type="report_requested", prefix="evt-day0")
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))
    stack.deliver("SendQueue", stack.cold_start("sender"))
    ada = _contact_id(stack, "ada@example.com")
    assert stack.enrollment_item(ada, "monthly")["status"] == "completed"

    # When the trigger comes again 29 days later
    _sign_up(stack, "ada@example.com", event_type="report_requested", prefix="evt-day29")
    stack.deliver("EnrollQueue", stack.cold_start("enroller", **_later(29 * DAY)))

    # Then she is not enrolled again: no order, no email, still one enrollment
    assert stack.drain("SendQueue") == []
    assert stack.report("monthly")["enrolled"] == 1

    # When it comes again 30 days (and a minute) later
    day30 = _later(30 * DAY + 60)
    _sign_up(stack, "ada@example.com", event_type="report_requested", prefix="evt-day30")
    stack.deliver("EnrollQueue", stack.cold_start("enroller", **day30))
    (order,) = stack.deliver("SendQueue", stack.cold_start("sender", **day30))

    # Then she is enrolled a second time (a new generation) and gets the email again
    assert json.loads(order["Body"])["generation"] == 2
    assert _subjects(stack, "ada@example.com") == ["Your report", "Your report"]
    report = stack.report("monthly")
    assert (report["enrolled"], report["completed"]) == (2, 2)
    assert [(s["id"], s["sent"]) for s in report["steps"]] == [("report", 2)]
    assert [kind for kind, _ in stack.domain_events()].count("ContactEnrolled") == 2
