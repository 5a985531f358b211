"""How an enrollment is laid out as a DynamoDB item, and the writes the store composes from it."""

from typing import Any

from botocore.exceptions import ClientError

from emailseq.dal.due_index import index_attributes
from emailseq.dal.items import iso, parse_iso, tenant_key, to_item, values
from emailseq.domain.enrollment import Enrollment, EnrollmentStatus, Facts


def KEY(tenant_id: str, contact_id: str, sequence_id: str) -> dict[str, str]:  # noqa: N802 - a key, not a verb
    return {"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": f"ENROLLMENT#{sequence_id}"}


def key(enrollment: Enrollment) -> dict[str, str]:
    return KEY(enrollment.tenant_id, enrollment.contact_id, enrollment.sequence_id)


def state(enrollment: Enrollment) -> dict[str, Any]:
    """The attributes a state change writes (absent ones are removed): position, status, times, index entry."""
    fields: dict[str, Any] = {
        "version": enrollment.version,
        "generation": enrollment.generation,
        "cursor": enrollment.cursor,
        "status": enrollment.status.value,
    }
    if enrollment.due_at is not None:
        fields["due_at"] = iso(enrollment.due_at)
        fields.update(index_attributes(key(enrollment)["pk"], key(enrollment)["sk"], enrollment.due_at))
    for name in ("step_started_at", "ended_at"):
        moment = getattr(enrollment, name)
        if moment is not None:
            fields[name] = iso(moment)
    if enrollment.waiting_for is not None:
        fields["waiting_for"] = enrollment.waiting_for
    if enrollment.exit_reason is not None:
        fields["exit_reason"] = enrollment.exit_reason
    return fields


def enrollment(row: dict[str, Any]) -> Enrollment:
    def moment(name: str) -> Any:
        return parse_iso(row[name]) if row.get(name) else None

    return Enrollment(
        tenant_id=row["tenant_id"],
        contact_id=row["contact_id"],
        sequence_id=row["sequence_id"],
        version=row["version"],
        generation=row["generation"],
        cursor=row["cursor"],
        status=EnrollmentStatus(row["status"]),
        due_at=moment("due_at"),
        enrolled_at=parse_iso(row["enrolled_at"]),
        goal_event=row.get("goal_event"),
        step_started_at=moment("step_started_at"),
        waiting_for=row.get("waiting_for"),
        watch_events=tuple(row.get("watch_events") or ()),
        ended_at=moment("ended_at"),
        exit_reason=row.get("exit_reason"),
        facts=Facts(
            opened=frozenset(row.get("facts_opened", ())),
            clicked=frozenset(row.get("facts_clicked", ())),
            events=frozenset(row.get("facts_events", ())),
        ),
    )


def counter(table: str, of: Enrollment, sk: str, name: str, **extra: str) -> dict[str, Any]:
    assignments = "".join(f", {field} = :{field}" for field in extra)
    return {
        "Update": {
            "TableName": table,
            "Key": to_item({"pk": tenant_key(of.tenant_id, "SEQ", of.sequence_id), "sk": sk}),
            "UpdateExpression": f"ADD #counter :one SET sequence_id = :sequence{assignments}",
            "ExpressionAttributeNames": {"#counter": name},
            "ExpressionAttributeValues": values(
                {":one": 1, ":sequence": of.sequence_id, **{f":{field}": value for field, value in extra.items()}}
            ),
        }
    }


def transact(db: Any, writes: list[dict[str, Any]]) -> bool:
    """All or nothing; False when a condition failed (another writer got there first).

    A single write goes as a plain conditional write: a transaction costs twice the write units, and leases,
    wake-ups and sleeps (most state changes) are one item."""
    if len(writes) == 1:
        return _single(db, writes[0])
    try:
        db.transact_write_items(TransactItems=writes)
    except ClientError as error:
        if error.response["Error"]["Code"] == "TransactionCanceledException":
            reasons = error.response.get("CancellationReasons", [])
            if not reasons or any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
                return False
        raise
    return True


def _single(db: Any, write: dict[str, Any]) -> bool:
    ((kind, request),) = write.items()
    call = {"Put": db.put_item, "Update": db.update_item, "Delete": db.delete_item}[kind]
    try:
        call(**request)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True
