"""Integration tests run the real services and repositories against DynamoDB Local and moto server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.local import stack
from infra.local.runtime import install_clock
from tests.integration.campaign_world import World, paris


@pytest.fixture(autouse=True)
def _stack(local_stack: stack.RunningStack) -> stack.RunningStack:
    return local_stack


@pytest.fixture
def campaign_world(local_stack: stack.RunningStack) -> Iterator[World]:
    """A campaign world on a manual clock that product code also reads (Tuesday 12 March 2030, 10:00 Paris);
    the session stack's clock is everyone's again afterwards."""
    world = World(paris(10))
    install_clock(world.clock)
    yield world
    install_clock(local_stack.events.clock, waits_move_clock=True)
