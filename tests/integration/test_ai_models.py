"""The AI layer through the real handlers on moto: a subject-line bandit step sent, opened and reported with its
arms; the scheduled trainer fitting a tenant's engagement model from histories and storing it in S3."""

import copy
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from emailseq.dal.engagement import DynamoEngagementStore

THIRTY_DAYS = str(30 * 24 * 3600)
SUBJECTS = ["Welcome aboard", "Your account is ready"]


def test_a_bandit_step_sends_one_subject_and_the_report_shows_each_arm(stack, welcome_sequence):
    # Given the welcome step with two subject lines (a bandit over opens)
    document = copy.deepcopy(welcome_sequence)
    document["steps"][0]["email"] = {**document["steps"][0]["email"], "subjects": SUBJECTS}
    del document["steps"][0]["email"]["subject"]
    assert stack.put_sequence(document).status == 200
    # When Ada signs up, is sent the welcome, and opens it
    stack.post_event({"id": "evt-ada", "type": "signed_up", "contact": {"email": "ada@example.com"}})
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))
    stack.deliver("SendQueue", stack.cold_start("sender"))
    (message,) = stack.sent_emails()
    assert stack.follow(stack.pixel(message)).status == 200
    # Then the email carried one of the subjects, and the report shows both arms: sends, rate, P(best)
    assert message["Subject"] in SUBJECTS
    (welcome, _) = stack.report("welcome")["steps"]
    arms = {arm["subject"]: arm for arm in welcome["arms"]}
    chosen, other = arms[message["Subject"]], arms[next(s for s in SUBJECTS if s != message["Subject"])]
    assert (chosen["sends"], chosen["successes"], chosen["rate"], chosen["reward"]) == (1, 1, 1.0, "opens")
    assert (other["sends"], other["successes"]) == (0, 0)
    assert chosen["probability_best"] > other["probability_best"]
    assert chosen["probability_best"] + other["probability_best"] == pytest.approx(1.0, abs=1e-3)
    # And a step with one subject has no arms (the field is additive: left out)
    assert "arms" not in stack.report("welcome")["steps"][1]


def test_the_scheduled_trainer_stores_a_model_with_its_held_out_auc(stack):
    # Given a tenant's engagement histories: 200 contacts, a third of them lapsed (last open 25 days ago)
    store = DynamoEngagementStore(boto3.client("dynamodb"), stack.refs["DataTable"])
    now = datetime.now(UTC)
    for i in range(200):
        contact_id = f"{i:08x}"
        for _ in range(8):
            store.record_send("t1", contact_id, now, ["tenant"])
        last_open = now - timedelta(days=1 if i % 3 else 25)
        store.record_open("t1", contact_id, 9, last_open, ["tenant"])
    trainer = stack.cold_start("trainer")
    # When the daily schedule fires: a snapshot is kept, but there is nothing a month old to learn from yet
    assert trainer.invoke(stack.scheduled_event()) == {"tenants": 1, "trained": 0}
    # And a month later (the engaged two thirds opened again meanwhile) it fires again
    later = now + timedelta(days=30)
    for i in range(200):
        if i % 3:
            store.record_open("t1", f"{i:08x}", 10, later - timedelta(days=2), ["tenant"])
    a_month_on = stack.cold_start("trainer", EMAILSEQ_CLOCK_OFFSET_SECONDS=THIRTY_DAYS)
    assert a_month_on.invoke(stack.scheduled_event()) == {"tenants": 1, "trained": 1}
    # Then the tenant's model is in the bucket as JSON, with the AUC measured on its held-out contacts
    body = boto3.client("s3").get_object(Bucket=stack.archive_bucket, Key="models/t1/engagement.json")["Body"]
    model = json.loads(body.read())
    assert model["features"][0] == "log_sends"
    assert 100 < model["trained_on"] < 200
    assert model["auc"] > 0.9
