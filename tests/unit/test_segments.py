"""Segment evaluation: attribute and engagement conditions, all/any, and until when a match holds."""

from datetime import UTC, datetime, timedelta

import pytest
from emailseq.domain.ports import Contact
from emailseq.domain.segments import SegmentDefinition, evaluate
from pydantic import ValidationError

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _contact(**given):
    return Contact(tenant_id="t1", contact_id="c1", email="ada@example.com", **given)


def _segment(*conditions, match="all"):
    return SegmentDefinition.model_validate({"name": "s", "match": match, "conditions": list(conditions)})


@pytest.mark.parametrize(
    ("condition", "attributes", "matches"),
    [
        ({"attribute": "plan", "op": "eq", "value": "pro"}, {"plan": "pro"}, True),
        ({"attribute": "plan", "op": "eq", "value": "pro"}, {"plan": "free"}, False),
        ({"attribute": "plan", "op": "ne", "value": "pro"}, {}, True),
        ({"attribute": "plan", "op": "ne", "value": "pro"}, {"plan": "pro"}, False),
        ({"attribute": "age", "op": "gt", "value": 30}, {"age": 31}, True),
        ({"attribute": "age", "op": "gt", "value": 30}, {"age": 30}, False),
        ({"attribute": "age", "op": "lt", "value": 30}, {"age": 29.5}, True),
        ({"attribute": "age", "op": "gt", "value": 30}, {"age": "31"}, False),  # text is not a number
        ({"attribute": "since", "op": "lt", "value": "2025-01-01T00:00:00Z"}, {"since": "2024-06-01T00:00:00Z"}, True),
        ({"attribute": "phone", "op": "exists"}, {"phone": "+49"}, True),
        ({"attribute": "phone", "op": "exists"}, {}, False),
        ({"attribute": "country", "op": "in", "value": ["de", "fr"]}, {"country": "fr"}, True),
        ({"attribute": "country", "op": "in", "value": ["de", "fr"]}, {"country": "it"}, False),
    ],
)
def test_attribute_conditions(condition, attributes, matches):
    membership = evaluate(_segment(condition), _contact(attributes=attributes), NOW)
    assert membership.matches is matches
    assert membership.until is None  # attribute matches hold while the data does


def test_an_open_within_n_days_matches_until_n_days_after_the_open():
    # Given a contact who opened an email two days ago
    opened = NOW - timedelta(days=2)
    segment = _segment({"engagement": "opened", "within_days": 7})

    # Then they match, until seven days after that open
    membership = evaluate(segment, _contact(last_opened_at=opened), NOW)
    assert membership.matches
    assert membership.until == opened + timedelta(days=7)
    # And not once that time has passed, nor if they never opened
    assert not evaluate(segment, _contact(last_opened_at=opened), opened + timedelta(days=7)).matches
    assert not evaluate(segment, _contact(), NOW).matches


def test_all_needs_every_condition_and_lapses_with_the_first_to_lapse():
    clicked, opened = NOW - timedelta(days=1), NOW - timedelta(hours=1)
    segment = _segment(
        {"attribute": "plan", "op": "eq", "value": "pro"},
        {"engagement": "clicked", "within_days": 3},
        {"engagement": "opened", "within_days": 3},
    )
    contact = _contact(attributes={"plan": "pro"}, last_clicked_at=clicked, last_opened_at=opened)
    assert evaluate(segment, contact, NOW).until == clicked + timedelta(days=3)
    assert not evaluate(segment, _contact(attributes={"plan": "free"}, last_clicked_at=clicked), NOW).matches


def test_any_needs_one_condition_and_holds_as_long_as_the_longest():
    opened = NOW - timedelta(days=1)
    segment = _segment({"member_of": "newsletter"}, {"engagement": "opened", "within_days": 3}, match="any")
    assert evaluate(segment, _contact(last_opened_at=opened), NOW).until == opened + timedelta(days=3)
    # a list membership holds without end
    in_list = evaluate(segment, _contact(lists=frozenset({"newsletter"}), last_opened_at=opened), NOW)
    assert in_list.matches
    assert in_list.until is None
    assert not evaluate(segment, _contact(), NOW).matches


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "s", "conditions": []},
        {"name": "s", "conditions": [{"attribute": "plan", "op": "like", "value": "p%"}]},
        {"name": "s", "conditions": [{"engagement": "opened", "within_days": 0}]},
        {"name": "s", "conditions": [{"attribute": "1bad", "op": "exists"}]},
        {"name": "s", "match": "most", "conditions": [{"attribute": "plan", "op": "exists"}]},
    ],
)
def test_a_malformed_definition_is_refused(bad):
    with pytest.raises(ValidationError):
        SegmentDefinition.model_validate(bad)
