"""The send-once guard against a refused write: the email is out, and marking its record complete fails once.
Without a retry of that write the record would stay in progress, expire, and the next attempt would send again."""

from typing import Any

from emailseq.dal.aws import client
from emailseq.dal.once import PowertoolsOnceOnly


class _RefusesOneUpdate:
    """The DynamoDB client with its first UpdateItem refused (as the chaos layer's `write-refused` does)."""

    def __init__(self, dynamodb: Any) -> None:
        self._db, self.refused = dynamodb, 0

    def update_item(self, **kwargs: Any) -> Any:
        if not self.refused:
            self.refused += 1
            raise RuntimeError("injected: write refused")
        return self._db.update_item(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


def test_a_refused_completion_write_is_retried_and_a_retry_does_not_send_again(stack):
    # Given the guard on the idempotency table, its client refusing the first completion write
    dynamodb = _RefusesOneUpdate(client("dynamodb"))
    once, sends = PowertoolsOnceOnly(stack.refs["IdempotencyTable"], dynamodb), []

    def send() -> str:
        sends.append("sent")
        return f"message-{len(sends)}"

    # When the email is sent, and the same order comes again
    first = once.run("enrollment-1#welcome", send)
    second = once.run("enrollment-1#welcome", send)
    # Then the write was refused once, retried, and the email went out once
    assert dynamodb.refused == 1
    assert sends == ["sent"]
    assert first == second == "message-1"
