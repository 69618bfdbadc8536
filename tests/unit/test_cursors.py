"""Cursors continue only the query they came from."""

from __future__ import annotations

import pytest
from clienteling.kernel import cursors
from clienteling.kernel.errors import InvalidCursor


def test_round_trip() -> None:
    key = {"PK": "a", "SK": "b", "GSI1PK": "STORE#1", "GSI1SK": "x"}
    cursor = cursors.encode(key)
    assert cursor is not None
    assert cursors.decode(cursor, partition_attribute="GSI1PK", partition="STORE#1") == key


@pytest.mark.parametrize("cursor", ["", "!!!", "e30", "W10", "a" * 2000])
def test_garbage_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        cursors.decode(cursor, partition_attribute="PK", partition="x")


def test_another_partition_is_refused() -> None:
    cursor = cursors.encode({"PK": "STORE#other", "SK": "1"})
    assert cursor is not None
    with pytest.raises(InvalidCursor):
        cursors.decode(cursor, partition_attribute="PK", partition="STORE#mine")


def test_no_key_no_cursor() -> None:
    assert cursors.encode(None) is None
