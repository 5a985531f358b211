"""Pagination cursors: opaque, round-trip, and only good for the listing they came from."""

import base64
import json

import pytest
from emailseq.domain import cursor
from emailseq.domain.errors import InvalidInput

KEY = {"pk": "TENANT#t1#LIST#abc", "sk": "MEMBER#0f8f"}


def test_a_key_round_trips_through_an_opaque_url_safe_cursor():
    encoded = cursor.encode(KEY)
    assert encoded is not None
    assert "TENANT" not in encoded
    assert "/" not in encoded
    assert "+" not in encoded
    assert cursor.decode(encoded, "TENANT#t1#LIST#abc") == KEY


def test_no_key_means_no_next_page_and_no_cursor_means_the_first():
    assert cursor.encode(None) is None
    assert cursor.encode({}) is None
    assert cursor.decode(None, "TENANT#t1#LIST#abc") is None


def test_a_cursor_for_another_partition_is_refused():
    # Given a cursor of tenant t1's list, edited to name tenant t2's
    forged = cursor.encode({**KEY, "pk": "TENANT#t2#LIST#abc"})

    # Then it is a 422 on `cursor`, never a page of t2's items
    with pytest.raises(InvalidInput) as raised:
        cursor.decode(forged, "TENANT#t1#LIST#abc")
    assert raised.value.field == "cursor"


@pytest.mark.parametrize(
    "garbage",
    ["not base64!!", base64.urlsafe_b64encode(b"[1,2]").decode(), base64.urlsafe_b64encode(b'{"pk": 3}').decode()],
)
def test_garbage_is_refused_naming_cursor(garbage):
    with pytest.raises(InvalidInput) as raised:
        cursor.decode(garbage, "TENANT#t1#LIST#abc")
    assert raised.value.field == "cursor"


def test_the_directory_cursor_checks_its_own_partition_attribute():
    key = {"pk": "TENANT#t1#CONTACT#c", "sk": "PROFILE", "dir_pk": "TENANT#t1#CONTACTS#3", "dir_sk": "c"}
    encoded = cursor.encode(key)
    assert cursor.decode(encoded, "TENANT#t1#CONTACTS#3", "dir_pk") == key
    assert json.loads(base64.urlsafe_b64decode(encoded or ""))["dir_pk"] == "TENANT#t1#CONTACTS#3"
