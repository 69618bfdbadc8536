"""Opaque pagination cursors: DynamoDB's LastEvaluatedKey, base64url JSON, checked against the partition.

A cursor can only continue the query it came from: decoding refuses a key from another partition, so a
crafted cursor cannot read across stores. Tampering inside the partition reveals nothing the caller could
not list anyway, so no signature is needed.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from clienteling.kernel.errors import InvalidCursor

MAX_LENGTH = 1024


def encode(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    text = json.dumps(last_key, separators=(",", ":"), sort_keys=True, default=str)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str, *, partition_attribute: str, partition: str) -> dict[str, Any]:
    if len(cursor) > MAX_LENGTH:
        raise InvalidCursor()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidCursor() from error
    if (
        not isinstance(key, dict)
        or key.get(partition_attribute) != partition
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in key.items())
    ):
        raise InvalidCursor()
    return key
