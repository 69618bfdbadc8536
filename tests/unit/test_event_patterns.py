"""Event patterns as Lambda's FilterCriteria apply them (EventBridge syntax)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local.event_patterns import InvalidPattern, compile_pattern, matches, matches_any

RECORD = {
    "eventName": "MODIFY",
    "dynamodb": {
        "Keys": {"PK": {"S": "CUSTOMER#42"}},
        "NewImage": {"status": {"S": "vip"}, "points": {"N": "120"}, "tags": {"L": [{"S": "a"}]}},
    },
    "score": 7.5,
    "active": True,
    "nothing": None,
    "ip": "10.0.3.7",
    "labels": ["new", "paris"],
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"eventName": ["INSERT", "MODIFY"]}, True),
        ({"eventName": ["INSERT"]}, False),
        ({"dynamodb": {"Keys": {"PK": {"S": [{"prefix": "CUSTOMER#"}]}}}}, True),
        ({"dynamodb": {"Keys": {"PK": {"S": [{"prefix": "STORE#"}]}}}}, False),
        ({"dynamodb": {"Keys": {"PK": {"S": [{"suffix": "#42"}]}}}}, True),
        ({"dynamodb": {"Keys": {"PK": {"S": [{"prefix": {"equals-ignore-case": "customer#"}}]}}}}, True),
        ({"eventName": [{"equals-ignore-case": "modify"}]}, True),
        ({"eventName": [{"wildcard": "MOD*"}]}, True),
        ({"eventName": [{"wildcard": "*X*"}]}, False),
        ({"eventName": [{"anything-but": "REMOVE"}]}, True),
        ({"eventName": [{"anything-but": ["MODIFY", "REMOVE"]}]}, False),
        ({"eventName": [{"anything-but": {"prefix": "MOD"}}]}, False),
        ({"missing": [{"anything-but": "x"}]}, False),  # anything-but needs the field
        ({"score": [{"numeric": [">", 7]}]}, True),
        ({"score": [{"numeric": [">=", 0, "<", 7.5]}]}, False),
        ({"score": [7.5]}, True),
        ({"score": ["7.5"]}, False),  # types differ
        ({"active": [True]}, True),
        ({"active": [1]}, False),  # a boolean is not a number
        ({"nothing": [None]}, True),
        ({"missing": [None]}, False),  # null is a value; a missing field is not null
        ({"missing": [{"exists": False}]}, True),
        ({"missing": [{"exists": True}]}, False),
        ({"eventName": [{"exists": True}]}, True),
        ({"dynamodb": [{"exists": True}]}, False),  # exists applies to leaves only
        ({"dynamodb": {"NewImage": {"gone": [{"exists": False}]}}}, True),
        ({"labels": ["paris"]}, True),  # an array matches if one element does
        ({"labels": [{"prefix": "lon"}]}, False),
        ({"ip": [{"cidr": "10.0.0.0/16"}]}, True),
        ({"ip": [{"cidr": "192.168.0.0/16"}]}, False),
        # Stream numbers are strings: numeric never reaches them, as in AWS
        ({"dynamodb": {"NewImage": {"points": {"N": [{"numeric": [">", 100]}]}}}}, False),
        ({"dynamodb": {"NewImage": {"points": {"N": ["120"]}}}}, True),
        # $or between alternatives; every other key must match too
        ({"$or": [{"eventName": ["INSERT"]}, {"score": [{"numeric": [">", 5]}]}]}, True),
        ({"eventName": ["MODIFY"], "$or": [{"active": [False]}, {"nothing": ["x"]}]}, False),
        # A nested pattern against a scalar does not match
        ({"eventName": {"S": ["MODIFY"]}}, False),
        ({}, True),
    ],
)
def test_matching(pattern: dict[str, Any], expected: bool) -> None:
    # Given a pattern, when matched against a stream-like record, then it matches as EventBridge's would
    assert matches(compile_pattern(pattern), RECORD) is expected


def test_filters_are_alternatives_and_none_means_everything() -> None:
    # Given two filters, one matching the record, and then none at all
    # When Lambda's FilterCriteria rule applies, then any filter suffices and no filter lets all through
    keep_inserts = compile_pattern('{"eventName": ["INSERT"]}')
    keep_vips = compile_pattern({"dynamodb": {"NewImage": {"status": {"S": ["vip"]}}}})
    assert matches_any([keep_inserts, keep_vips], RECORD)
    assert not matches_any([keep_inserts], RECORD)
    assert matches_any([], RECORD)


@pytest.mark.parametrize(
    "pattern",
    [
        "[1, 2]",
        {"eventName": "INSERT"},  # leaves are lists
        {"eventName": []},
        {"eventName": [{"startswith": "IN"}]},
        {"eventName": [{"prefix": "IN", "suffix": "T"}]},
        {"score": [{"numeric": [">", "7"]}]},
        {"score": [{"numeric": ["~", 7]}]},
        {"score": [{"exists": "yes"}]},
        {"$or": [{"eventName": ["INSERT"]}]},
    ],
)
def test_patterns_aws_rejects_are_rejected(pattern: Any) -> None:
    # Given a pattern Lambda would refuse at deploy time, when compiled, then it is refused at provision
    with pytest.raises(InvalidPattern):
        compile_pattern(pattern)
