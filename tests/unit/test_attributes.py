"""Declared attribute types: values are checked and converted (text from CSV cells, JSON values from events)."""

import pytest
from emailseq.domain.attributes import AttributeType, coerce, coerce_all
from emailseq.domain.errors import InvalidInput


@pytest.mark.parametrize(
    ("kind", "given", "stored"),
    [
        (AttributeType.NUMBER, "42", 42),
        (AttributeType.NUMBER, " 3.5 ", 3.5),
        (AttributeType.NUMBER, 7, 7),
        (AttributeType.BOOLEAN, "Yes", True),
        (AttributeType.BOOLEAN, "0", False),
        (AttributeType.BOOLEAN, False, False),
        (AttributeType.DATETIME, "2025-01-06T09:00:00+01:00", "2025-01-06T08:00:00Z"),
        (AttributeType.DATETIME, "2025-01-06", "2025-01-06T00:00:00Z"),
        (AttributeType.STRING, 12, "12"),
        (AttributeType.STRING, "pro", "pro"),
    ],
)
def test_a_value_of_the_declared_type_is_stored_in_its_canonical_form(kind, given, stored):
    assert coerce("a", kind, given) == stored


@pytest.mark.parametrize(
    ("kind", "given"),
    [
        (AttributeType.NUMBER, "forty"),
        (AttributeType.NUMBER, True),
        (AttributeType.NUMBER, "nan"),
        (AttributeType.BOOLEAN, "maybe"),
        (AttributeType.DATETIME, "next tuesday"),
        (AttributeType.DATETIME, 1700000000),
        (AttributeType.STRING, True),
    ],
)
def test_a_value_of_another_type_is_refused_naming_the_attribute(kind, given):
    with pytest.raises(InvalidInput) as raised:
        coerce("contact.attributes.plan", kind, given)
    assert raised.value.field == "contact.attributes.plan"
    assert kind.value in raised.value.reason


def test_undeclared_attributes_pass_unchanged_and_none_clears():
    # Given a schema declaring only `age`
    schema = {"age": AttributeType.NUMBER}

    # When an event carries it as text, an undeclared one and a cleared one
    typed = coerce_all(schema, {"age": "30", "plan": "pro", "score": None})

    # Then only the declared one is converted
    assert typed == {"age": 30, "plan": "pro", "score": None}
