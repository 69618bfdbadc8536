"""Event pattern matching as Lambda applies FilterCriteria to stream and queue records.

The syntax is EventBridge's. Supported: nested objects, `$or`, lists of exact values (strings, numbers
compared as numbers, booleans, null), and the operators `prefix`, `suffix` (both also with
`{"equals-ignore-case": ...}`), `equals-ignore-case`, `wildcard`, `anything-but` (a value, a list, or a
`prefix`/`suffix`/`equals-ignore-case`/`wildcard` object), `numeric` (up to two comparisons), `exists` and
`cidr`. An array in the record matches when one of its elements does. As in AWS, a missing field matches
only `{"exists": false}`, `exists` applies to leaf values only, and `numeric` never matches a string, so it
cannot reach DynamoDB numbers (which streams carry as strings such as {"N": "5"}).
"""

from __future__ import annotations

import ipaddress
import json
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

_MISSING = object()
_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    ">=": operator.ge,
    ">": operator.gt,
}
_OPERATORS = {"prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but", "numeric", "exists", "cidr"}


class InvalidPattern(ValueError):
    """A pattern Lambda or EventBridge would reject."""


def compile_pattern(pattern: str | Mapping[str, Any]) -> dict[str, Any]:
    """Parse (if JSON text) and check a pattern, so a template mistake fails at provision, as at deploy."""
    parsed = json.loads(pattern) if isinstance(pattern, str) else pattern
    if not isinstance(parsed, Mapping):
        raise InvalidPattern(f"a pattern is a JSON object, not {type(parsed).__name__}")
    _check_object(parsed, "")
    return dict(parsed)


def _check_object(pattern: Mapping[str, Any], path: str) -> None:
    for key, rule in pattern.items():
        where = f"{path}.{key}" if path else key
        if key == "$or":
            if not isinstance(rule, list) or len(rule) < 2 or not all(isinstance(p, Mapping) for p in rule):
                raise InvalidPattern(f"{where}: $or takes a list of at least two patterns")
            for alternative in rule:
                _check_object(alternative, path)
        elif isinstance(rule, Mapping):
            _check_object(rule, where)
        elif isinstance(rule, list) and rule:
            for item in rule:
                _check_rule(item, where)
        else:
            raise InvalidPattern(f"{where}: expected an object or a non-empty list")


def _check_rule(rule: Any, where: str) -> None:
    if rule is None or isinstance(rule, str | int | float | bool):
        return
    if not isinstance(rule, Mapping) or len(rule) != 1:
        raise InvalidPattern(f"{where}: {rule!r} is neither a value nor a one-key operator")
    ((name, argument),) = rule.items()
    if name not in _OPERATORS:
        raise InvalidPattern(f"{where}: unknown operator {name!r}")
    if name == "numeric":
        if not isinstance(argument, list) or len(argument) not in (2, 4):
            raise InvalidPattern(f"{where}: numeric takes one or two (operator, number) pairs")
        for op, value in zip(argument[::2], argument[1::2], strict=True):
            if op not in _COMPARISONS or not _is_number(value):
                raise InvalidPattern(f"{where}: bad numeric comparison {op!r} {value!r}")
    if name == "exists" and not isinstance(argument, bool):
        raise InvalidPattern(f"{where}: exists takes true or false")


def matches(pattern: Mapping[str, Any], record: Any) -> bool:
    """Whether `record` (a decoded JSON value) matches a compiled pattern."""
    return _object_matches(pattern, record if isinstance(record, Mapping) else {})


def matches_any(patterns: list[dict[str, Any]], record: Any) -> bool:
    """Lambda's FilterCriteria: filters are alternatives; no filter at all lets everything through."""
    return not patterns or any(matches(p, record) for p in patterns)


def _object_matches(pattern: Mapping[str, Any], value: Mapping[str, Any]) -> bool:
    for key, rule in pattern.items():
        if key == "$or":
            if not any(_object_matches(alternative, value) for alternative in rule):
                return False
            continue
        field = value.get(key, _MISSING)
        if isinstance(rule, Mapping):
            if field is not _MISSING and not isinstance(field, Mapping):
                return False
            if not _object_matches(rule, field if isinstance(field, Mapping) else {}):
                return False
        elif not any(_rule_matches(item, field) for item in rule):
            return False
    return True


def _rule_matches(rule: Any, value: Any) -> bool:
    if isinstance(rule, Mapping) and "exists" in rule:
        present = value is not _MISSING and not isinstance(value, Mapping)
        return present if rule["exists"] else value is _MISSING
    if value is _MISSING or isinstance(value, Mapping):
        return False
    if isinstance(value, list):
        return any(_scalar_matches(rule, element) for element in value)
    return _scalar_matches(rule, value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(expected: Any, value: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return expected is value
    if _is_number(expected) and _is_number(value):
        return float(expected) == float(value)
    return type(expected) is type(value) and bool(expected == value)


def _scalar_matches(rule: Any, value: Any) -> bool:
    if not isinstance(rule, Mapping):
        return _equal(rule, value)
    ((name, argument),) = rule.items()
    if name == "anything-but":
        if isinstance(argument, Mapping):
            return not _scalar_matches(argument, value)
        excluded = argument if isinstance(argument, list) else [argument]
        return not any(_equal(item, value) for item in excluded)
    if name == "numeric":
        return _is_number(value) and all(
            _COMPARISONS[op](float(value), float(bound))
            for op, bound in zip(argument[::2], argument[1::2], strict=True)
        )
    if name == "cidr":
        try:
            return isinstance(value, str) and ipaddress.ip_address(value) in ipaddress.ip_network(argument)
        except ValueError:
            return False
    return isinstance(value, str) and _string_matches(name, argument, value)


def _string_matches(name: str, argument: Any, value: str) -> bool:
    fold = isinstance(argument, Mapping)
    text = str(argument["equals-ignore-case"] if fold else argument)
    if name == "equals-ignore-case":
        return value.casefold() == text.casefold()
    if fold:
        value, text = value.casefold(), text.casefold()
    if name == "prefix":
        return value.startswith(text)
    if name == "suffix":
        return value.endswith(text)
    if name == "wildcard":
        return re.fullmatch(".*".join(re.escape(part) for part in text.split("*")), value, re.DOTALL) is not None
    return False
