"""Integration tests run the real services and repositories against DynamoDB Local and moto server."""

from __future__ import annotations

import pytest

from infra.local import stack


@pytest.fixture(autouse=True)
def _stack(local_stack: stack.RunningStack) -> stack.RunningStack:
    return local_stack
