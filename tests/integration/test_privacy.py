"""Privacy through the real handlers on moto (KMS included): no plaintext PII in any table, GDPR export and erase."""

import json
from typing import Any

from emailseq.dal.aws import client
from emailseq.dal.clock import SystemClock
from emailseq.dal.contacts import DynamoContactRepository
from emailseq.dal.data_keys import DynamoDataKeys
from emailseq.dal.items import tenant_key
from emailseq.domain.messages import ContactData

TWO_DAYS_AND_A_MINUTE = str(2 * 24 * 3600 + 60)
ADA = {"email": "ada.lovelace.privacy@example.com", "first_name": "Augusta", "last_name": "Byronesque"}
PII = [ADA["email"], "ada.lovelace.privacy", ADA["first_name"], ADA["last_name"]]
VIEWER = {"tenant": "t1", "role": "viewer", "sub": "dev:viewer"}


def _every_item_as_text() -> str:
    db = client("dynamodb")
    dumps = []
    for table in db.list_tables()["TableNames"]:
        for page in db.get_paginator("scan").paginate(TableName=table):
            dumps += [json.dumps(item, default=str) for item in page["Items"]]
    return "\n".join(dumps)


def _welcomed(stack, welcome_sequence) -> str:
    """Ada signed up, enrolled and welcomed; her contact id."""
    assert stack.put_sequence(welcome_sequence).status == 200
    event = {"id": "evt-ada", "type": "signed_up", "contact": {**ADA, "attributes": {"plan": "pro"}}}
    assert stack.post_event(event).status == 202
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))
    stack.deliver("SendQueue", stack.warm("sender"))
    assert [m["Subject"] for m in stack.sent_emails()] == ["Welcome, Augusta"]
    return str(stack.find_contact(ADA["email"]).body["id"])


def _contact_route(stack, method: str, contact_id: str, suffix: str = "", caller: dict[str, str] | None = None):
    route = f"{method} /v1/contacts/{{contact_id}}{suffix}"
    event = stack.http_event(
        method,
        f"/v1/contacts/{contact_id}{suffix}",
        route_key=route,
        path_parameters={"contact_id": contact_id},
        **({"caller": caller} if caller else {}),
    )
    return stack.call_api("apiContacts", event)


def test_no_table_holds_the_address_or_name_yet_the_contact_is_found_by_email(stack, welcome_sequence):
    # Given Ada, with a distinctive address and names, welcomed by a sequence
    contact_id = _welcomed(stack, welcome_sequence)

    # When every item of every table (data, idempotency) is dumped
    dump = _every_item_as_text()

    # Then none of her PII appears anywhere, in any case
    assert [s for s in PII if s.lower() in dump.lower()] == []
    # And her profile holds sealed records and the blind index instead
    profile = stack.contact_item(contact_id)
    assert {"email_sealed", "first_name_sealed", "last_name_sealed", "email_index"} <= set(profile)
    assert "email" not in profile
    assert "first_name" not in profile
    # And the API still finds her by address (any case), decrypted
    found = stack.find_contact(ADA["email"].upper())
    assert (found.status, found.body["email"], found.body["first_name"]) == (200, ADA["email"], "Augusta")
    # And her tenant's data key is stored wrapped by KMS only
    key = stack.item(tenant_key("t1", "KEYS"), "DATA#000001")
    assert key is not None
    assert key["wrapping"] == "kms"
    assert key["kms_key_id"] == stack.arns["DataKey"]


def test_export_returns_everything_held_on_the_contact(stack, welcome_sequence):
    contact_id = _welcomed(stack, welcome_sequence)

    response = _contact_route(stack, "GET", contact_id, "/export", caller=VIEWER)

    assert response.status == 200
    body = response.body
    assert {k: body["contact"][k] for k in ("email", "first_name", "last_name")} == ADA
    assert body["contact"]["attributes"] == {"plan": "pro"}
    assert body["contact"]["contact_id"] == contact_id
    (enrollment,) = body["enrollments"]
    assert (enrollment["sequence_id"], enrollment["status"]) == ("welcome", "active")
    assert body["sends"] == stack.ses_message_ids()


def test_erase_removes_pii_stops_the_sequence_and_keeps_an_audit_entry(stack, welcome_sequence):
    # Given Ada welcomed, her follow-up due in two days
    contact_id = _welcomed(stack, welcome_sequence)

    # A viewer may not erase
    assert _contact_route(stack, "DELETE", contact_id, caller=VIEWER).status == 403
    # When an editor erases her
    erased = _contact_route(stack, "DELETE", contact_id)

    # Then it is done (204), and she is gone from lookup and export
    assert erased.status == 204
    assert stack.find_contact(ADA["email"]).status == 404
    assert _contact_route(stack, "GET", contact_id, "/export").status == 404
    assert _contact_route(stack, "DELETE", contact_id).status == 404
    # And her running enrollment exited, reason erased
    enrollment = stack.enrollment_item(contact_id, "welcome")
    assert (enrollment["status"], enrollment["exit_reason"]) == ("exited", "erased")
    # And her archived mail is deleted
    assert stack.archived("t1") == {}
    # And an audit entry (who, when, which contact, no PII) remains
    audit = client("dynamodb").query(
        TableName=stack.refs["DataTable"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :entry)",
        ExpressionAttributeValues={":pk": {"S": tenant_key("t1", "AUDIT")}, ":entry": {"S": "ENTRY#"}},
    )["Items"]
    (entry,) = [item for item in audit if item["action"]["S"] == "contact.erased"]
    assert entry["subject"]["S"] == contact_id
    assert entry["actor"]["S"] == "dev:x"
    assert json.loads(entry["details"]["S"]) == {"enrollments_stopped": 1, "messages_deleted": 1}
    # And two days later nothing more is sent to her
    scheduler = stack.cold_start("scheduler", EMAILSEQ_CLOCK_OFFSET_SECONDS=TWO_DAYS_AND_A_MINUTE)
    scheduler.invoke(stack.scheduled_event())
    stack.deliver("SendQueue", stack.cold_start("sender", EMAILSEQ_CLOCK_OFFSET_SECONDS=TWO_DAYS_AND_A_MINUTE))
    assert len(stack.sent_emails()) == 1


def test_an_erased_address_that_comes_back_is_a_new_empty_suppressed_contact(stack, welcome_sequence):
    # Given Ada erased
    contact_id = _welcomed(stack, welcome_sequence)
    assert _contact_route(stack, "DELETE", contact_id).status == 204

    # When an event for the same address arrives later
    stack.post_event({"id": "evt-again", "type": "signed_up", "contact": {"email": ADA["email"]}})
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))
    stack.deliver("SendQueue", stack.warm("sender"))

    # Then she is a new contact holding none of the old data, suppressed: no email goes out
    again = stack.find_contact(ADA["email"])
    assert again.status == 200
    assert again.body["id"] != contact_id
    assert (again.body["first_name"], again.body["attributes"]) == (None, {})
    assert stack.contact_item(again.body["id"])["unsubscribe_source"] == "erased"
    assert len(stack.sent_emails()) == 1


def test_a_tenant_requiring_post_quantum_wrapping_gets_hpke_wrapped_keys(stack, welcome_sequence):
    # Given tenant t1 requires hybrid post-quantum key wrapping before its first contact
    settings = stack.http_event(
        "PUT", "/v1/settings", route_key="PUT /v1/settings", body={"key_wrapping": "hpke-mlkem768-x25519"}
    )
    assert stack.call_api("apiSequences", settings).status == 200

    # When Ada signs up and is welcomed
    _welcomed(stack, welcome_sequence)

    # Then t1's data key is stored HPKE-wrapped (the KMS ciphertext sealed again with ML-KEM-768 + X25519)
    key: dict[str, Any] | None = stack.item(tenant_key("t1", "KEYS"), "DATA#000001")
    assert key is not None
    assert key["wrapping"] == "hpke-mlkem768-x25519"
    assert len(bytes(key["wrapped"].value)) > 1088
    # And a cold function (no cached key) reads her back through both layers
    fresh = stack.cold_start("apiContacts")
    event = stack.http_event("GET", "/v1/contacts", route_key="GET /v1/contacts", query=f"email={ADA['email']}")
    response = fresh.invoke(event)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["last_name"] == "Byronesque"


def test_rotating_a_tenants_data_key_needs_no_migration(stack):
    # Given a contact sealed under tenant t1's first data key, read through the repository the functions use
    db, table = client("dynamodb"), stack.refs["DataTable"]
    keys = DynamoDataKeys(db, table, client("kms"), stack.arns["DataKey"], SystemClock())
    contacts = DynamoContactRepository(db, table, keys)
    old = contacts.upsert("t1", ContactData(email="old@example.com", first_name="Olga"))

    # When the tenant's key is rotated and another contact is written
    assert keys.rotate("t1") == 2
    new = contacts.upsert("t1", ContactData(email="new@example.com", first_name="Nina"))

    # Then the new contact is sealed under version 2, the old one still names (and opens with) version 1
    assert stack.contact_item(new.contact_id)["email_sealed"]["k"] == 2
    assert stack.contact_item(old.contact_id)["email_sealed"]["k"] == 1
    # And a cold reader (nothing cached) finds both by address: the blind index did not change
    cold_keys = DynamoDataKeys(db, table, client("kms"), stack.arns["DataKey"], SystemClock())
    cold = DynamoContactRepository(db, table, cold_keys)
    assert cold.find_by_email("t1", "old@example.com") == old
    assert [cold.find_by_email("t1", "new@example.com").first_name] == ["Nina"]
    assert cold_keys.kms_calls == 2  # one Decrypt per key version, then cached
