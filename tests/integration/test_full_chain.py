"""Flow 4: a contact's whole journey through the real handlers: API → bus → enroller → sender → SES, then two days
later scheduler → sender, with the report counting each step."""

import json

TWO_DAYS_AND_A_MINUTE = str(2 * 24 * 3600 + 60)
TEN_DAYS = str(10 * 24 * 3600)


def test_a_contact_gets_the_welcome_now_and_the_follow_up_two_days_later(stack, welcome_sequence):
    # Given the welcome sequence (welcome → wait 2d → follow-up), applied through the API
    assert stack.put_sequence(welcome_sequence).status == 200
    enroller, sender = stack.cold_start("enroller"), stack.cold_start("sender")

    # When Ada signs up
    accepted = stack.post_event(
        {"id": "evt-ada", "type": "signed_up", "contact": {"email": "Ada@Example.com", "first_name": "Ada"}}
    )
    assert accepted.body == {"id": "evt-ada", "status": "accepted"}
    # And the enroll queue's message reaches the enroller, and the send queue's order the sender
    assert len(stack.deliver("EnrollQueue", enroller)) == 1
    (first_order,) = stack.deliver("SendQueue", sender)

    # Then SES got exactly one email: the welcome, personalised, from the configured sender
    assert json.loads(first_order["Body"])["cursor"] == 0
    (welcome,) = stack.sent_emails()
    assert welcome["From"] == "sequences@example.com"
    assert welcome["To"] == "ada@example.com"
    assert welcome["Subject"] == "Welcome, Ada"
    assert welcome["Message-ID"].endswith("@example.com>")
    assert welcome.get_content_type() == "multipart/alternative"
    assert "Hi Ada!" in welcome.get_body(("html",)).get_content()
    # And the link in both parts goes through a signed redirect on the public tracking route
    assert f"Get started ({stack.public_url}/t/c/" in welcome.get_body(("plain",)).get_content()
    assert [link.startswith(f"{stack.public_url}/t/c/") for link in stack.links(welcome)] == [True]

    # When the scheduler ticks now, nothing is due yet
    scheduler = stack.cold_start("scheduler")
    assert scheduler.invoke(stack.scheduled_event()) == {"queued": 0}
    assert stack.drain("SendQueue") == []

    # When the clock is two days and a minute on, the scheduler queues exactly one send order: the follow-up
    later_scheduler = stack.cold_start("scheduler", EMAILSEQ_CLOCK_OFFSET_SECONDS=TWO_DAYS_AND_A_MINUTE)
    later_sender = stack.cold_start("sender", EMAILSEQ_CLOCK_OFFSET_SECONDS=TWO_DAYS_AND_A_MINUTE)
    assert later_scheduler.invoke(stack.scheduled_event()) == {"queued": 1}
    (second_order,) = stack.drain("SendQueue")
    assert json.loads(second_order["Body"])["cursor"] == 2
    # And a tick while that send is leased does not queue it again
    assert later_scheduler.invoke(stack.scheduled_event()) == {"queued": 0}
    assert stack.drain("SendQueue") == []
    # And the order reaches the sender
    assert later_sender.invoke(stack.sqs_event("SendQueue", [second_order])) == {"batchItemFailures": []}

    # Then the follow-up is the second and last email
    assert [m["Subject"] for m in stack.sent_emails()] == ["Welcome, Ada", "How is it going?"]
    assert [m["To"] for m in stack.sent_emails()] == ["ada@example.com", "ada@example.com"]
    # And the report counts one send per step and one completed enrollment
    report = stack.report("welcome")
    assert report["enrolled"] == 1
    assert report["completed"] == 1
    assert (report["converted"], report["exited"]) == (0, 0)
    assert [(s["id"], s["sent"]) for s in report["steps"]] == [("welcome", 1), ("follow-up", 1)]
    # And the facts on the bus agree, with SES's message ids
    facts = stack.domain_events()
    assert [kind for kind, _ in facts] == ["ContactEnrolled", "EmailSent", "EmailSent"]
    sent = [detail for kind, detail in facts if kind == "EmailSent"]
    assert [s["step_id"] for s in sent] == ["welcome", "follow-up"]
    assert [s["message_id"] for s in sent] == stack.ses_message_ids()

    # And a completed enrollment is never due again
    much_later = stack.cold_start("scheduler", EMAILSEQ_CLOCK_OFFSET_SECONDS=TEN_DAYS)
    assert much_later.invoke(stack.scheduled_event()) == {"queued": 0}
    assert len(stack.sent_emails()) == 2


def test_reaching_the_goal_ends_the_journey_before_the_follow_up(stack, welcome_sequence):
    # Given Ada enrolled in the welcome sequence (goal: purchased) and welcomed
    stack.put_sequence(welcome_sequence)
    enroller, sender = stack.cold_start("enroller"), stack.cold_start("sender")
    stack.post_event({"id": "evt-1", "type": "signed_up", "contact": {"email": "ada@example.com"}})
    stack.deliver("EnrollQueue", enroller)
    stack.deliver("SendQueue", sender)
    assert [m["Subject"] for m in stack.sent_emails()] == ["Welcome, there"]

    # When she purchases, and the enroller handles that event
    stack.post_event({"id": "evt-2", "type": "purchased", "contact": {"email": "ada@example.com"}})
    stack.deliver("EnrollQueue", enroller)

    # Then two days later nothing is due, and no follow-up goes out
    later = stack.cold_start("scheduler", EMAILSEQ_CLOCK_OFFSET_SECONDS=TWO_DAYS_AND_A_MINUTE)
    assert later.invoke(stack.scheduled_event()) == {"queued": 0}
    assert len(stack.sent_emails()) == 1
    # And the report shows the conversion
    report = stack.report("welcome")
    assert (report["enrolled"], report["converted"], report["completed"]) == (1, 1, 0)
    assert [(s["id"], s["sent"]) for s in report["steps"]] == [("welcome", 1), ("follow-up", 0)]
    kinds = [kind for kind, _ in stack.domain_events()]
    assert kinds == ["ContactEnrolled", "EmailSent", "EnrollmentConverted"]
