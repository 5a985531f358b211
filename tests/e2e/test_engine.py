"""The engine on the local stack: send windows, goals, branches on opens, wait_until (issue 3)."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from tests.support.local_stack import LocalStack, cli, outbox

BERLIN = ZoneInfo("Europe/Berlin")


def _local_now() -> datetime:
    return datetime.fromisoformat(cli("clock", "now").stdout.strip())


def _next_friday_evening(after: datetime) -> datetime:
    local = (after + timedelta(hours=1)).astimezone(BERLIN)
    days = (4 - local.weekday()) % 7 or 7
    return (local + timedelta(days=days)).replace(hour=18, minute=0, second=0, microsecond=0)


def _subjects(address: str) -> list[str]:
    return [m["subject"] for m in outbox(address)]


def test_a_friday_evening_signup_gets_its_first_email_on_monday_at_nine_berlin(
    stack: LocalStack, unique, write_sequence
):
    # Given a sequence that only sends Mon-Fri 09:00-17:00 in the contact's timezone
    path = write_sequence(
        "window",
        f"""
id: window-{unique}
name: Window
trigger: {{event: signed_up.{unique}}}
send_window: {{days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}}
steps:
  - {{id: welcome, email: {{subject: "Welcome", html: "<p>Hi</p>"}}}}
""",
    )
    cli("sequences", "apply", str(path))
    friday = _next_friday_evening(_local_now())
    cli("clock", "set", friday.isoformat())
    address = f"fri-{unique}@example.com"

    # When a Berlin contact signs up on Friday at 18:00
    cli("events", "send", f"signed_up.{unique}", "--email", address, "--attr", "timezone=Europe/Berlin")

    # Then nothing goes out over the weekend, nor at 08:59 on Monday
    monday_nine = (friday + timedelta(days=3)).replace(hour=9)
    cli("clock", "set", (monday_nine - timedelta(minutes=1)).isoformat())
    assert _subjects(address) == []
    # And the email goes out at 09:00 Berlin on Monday
    cli("clock", "set", monday_nine.isoformat())
    (message,) = outbox(address)
    sent = datetime.fromisoformat(message["sent_at"]).astimezone(BERLIN)
    assert (sent.weekday(), sent.hour, sent.minute) == (0, 9, 0)


def test_a_goal_reached_during_a_wait_stops_the_sequence_and_counts_a_conversion(
    stack: LocalStack, unique, write_sequence
):
    path = write_sequence(
        "goal",
        f"""
id: goal-{unique}
name: Goal
trigger: {{event: trial.{unique}}}
goal: {{event: paid.{unique}}}
steps:
  - {{id: welcome, email: {{subject: "Welcome", html: "<p>Hi</p>"}}}}
  - wait: 2d
  - {{id: nudge, email: {{subject: "Upgrade?", html: "<p>Upgrade</p>"}}}}
""",
    )
    cli("sequences", "apply", str(path))
    address = f"goal-{unique}@example.com"
    cli("events", "send", f"trial.{unique}", "--email", address)
    assert _subjects(address) == ["Welcome"]
    # When the goal event arrives before the wait is over
    cli("events", "send", f"paid.{unique}", "--email", address)
    cli("clock", "advance", "3d")
    # Then no further email, and the report counts the conversion
    assert _subjects(address) == ["Welcome"]
    report = cli("report", f"goal-{unique}", "--json").stdout
    assert '"converted": 1' in report


def test_a_branch_on_opened_follows_whether_the_open_pixel_was_fetched(stack: LocalStack, unique, write_sequence):
    path = write_sequence(
        "branch",
        f"""
id: branch-{unique}
name: Branch
trigger: {{event: joined.{unique}}}
steps:
  - {{id: welcome, email: {{subject: "Welcome", html: "<p>Hi <a href='https://example.com/a'>there</a></p>"}}}}
  - wait: 1d
  - id: engaged
    branch:
      if: {{opened: welcome}}
      then: [{{id: tips, email: {{subject: "Three tips", html: "<p>Tips</p>"}}}}]
      else: [{{id: nudge, email: {{subject: "Did you see this?", html: "<p>Nudge</p>"}}}}]
""",
    )
    cli("sequences", "apply", str(path))
    reader, skipper = f"reader-{unique}@example.com", f"skipper-{unique}@example.com"
    for address in (reader, skipper):
        cli("events", "send", f"joined.{unique}", "--email", address)
    # Given the reader's mail client fetched the open pixel
    pixel = re.search(r'<img src="([^"]+/t/o/[^"]+)"', outbox(reader)[0]["html"])
    assert pixel is not None
    assert httpx.get(pixel.group(1), timeout=30).headers["content-type"].startswith("image/gif")
    # When the wait is over
    cli("clock", "advance", "1d")
    # Then the reader gets the tips and the other contact the nudge
    assert _subjects(reader) == ["Welcome", "Three tips"]
    assert _subjects(skipper) == ["Welcome", "Did you see this?"]


def test_wait_until_continues_on_the_event_or_on_the_timeout(stack: LocalStack, unique, write_sequence):
    path = write_sequence(
        "until",
        f"""
id: until-{unique}
name: Until
trigger: {{event: started.{unique}}}
steps:
  - {{id: welcome, email: {{subject: "Welcome", html: "<p>Hi</p>"}}}}
  - wait_until: {{event: used.{unique}, timeout: 3d}}
  - {{id: next, email: {{subject: "Next step", html: "<p>Next</p>"}}}}
""",
    )
    cli("sequences", "apply", str(path))
    eager, idle = f"eager-{unique}@example.com", f"idle-{unique}@example.com"
    for address in (eager, idle):
        cli("events", "send", f"started.{unique}", "--email", address)
    # When one contact uses the feature, it goes on at once; the other still waits
    cli("events", "send", f"used.{unique}", "--email", eager)
    assert _subjects(eager) == ["Welcome", "Next step"]
    cli("clock", "advance", "2d")
    assert _subjects(idle) == ["Welcome"]
    # And on the timeout the other goes on too
    cli("clock", "advance", "1d")
    assert _subjects(idle) == ["Welcome", "Next step"]


def test_the_same_event_delivered_twice_enrolls_once(stack: LocalStack, unique, write_sequence):
    path = write_sequence(
        "twice",
        f"""
id: twice-{unique}
name: Twice
trigger: {{event: joined.{unique}}}
steps:
  - {{id: welcome, email: {{subject: "Welcome", html: "<p>Hi</p>"}}}}
""",
    )
    cli("sequences", "apply", str(path))
    address = f"twice-{unique}@example.com"
    # When the same event arrives twice (same id), and once more as a new event for the same contact
    for event_id in (f"a-{unique}", f"a-{unique}", f"b-{unique}"):
        cli("events", "send", f"joined.{unique}", "--email", address, "--id", event_id)
    # Then the contact was enrolled once and got one welcome
    assert _subjects(address) == ["Welcome"]
    assert '"enrolled": 1' in cli("report", f"twice-{unique}", "--json").stdout
