"""The local runtime runs against the session's DynamoDB Local and moto server, on a manual clock.

Each test gets its own runtime (its own queues and rules, through a unique stack name), its own table with a
stream and its own event bus, so tests never see each other's records, messages or events.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local import config, stack
from infra.local.clock import Clock
from infra.local.runtime import LocalRuntime, install_clock

HERE = Path(__file__).resolve().parent
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _stack(local_stack: stack.RunningStack) -> stack.RunningStack:
    return local_stack


def client(local_stack: stack.RunningStack, service: str) -> Any:
    endpoint = local_stack.aws.dynamodb_url if service == "dynamodb" else local_stack.aws.moto_url
    factory: Any = boto3.client  # the service name is a parameter here, so no stub overload applies
    return factory(
        service,
        endpoint_url=endpoint,
        region_name=config.REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


@pytest.fixture
def clock(local_stack: stack.RunningStack) -> Iterator[Clock]:
    """A manual clock that product code also reads through clienteling.resources.clock(); the session stack's
    clock is everyone's again afterwards."""
    manual = Clock.manual(START)
    install_clock(manual)
    yield manual
    install_clock(local_stack.events.clock, waits_move_clock=True)


@pytest.fixture
def names(local_stack: stack.RunningStack) -> dict[str, str]:
    """A fresh table with a stream and a fresh bus: the stack-created resources the templates refer to."""
    suffix = uuid.uuid4().hex[:10]
    table, bus = f"runtime-{suffix}", f"runtime-{suffix}"
    dynamodb = client(local_stack, "dynamodb")
    dynamodb.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    client(local_stack, "events").create_event_bus(Name=bus)
    return {"Table": table, "EventBus": bus}


@pytest.fixture
def make_runtime(
    local_stack: stack.RunningStack, clock: Clock, names: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], LocalRuntime]]:
    """Provision a runtime from a template of this directory; its environment is exported like the stack's."""
    runtimes: list[LocalRuntime] = []

    def make(template_name: str) -> LocalRuntime:
        runtime = LocalRuntime(
            HERE / template_name,
            env=local_stack.aws.environment(),
            clock=clock,
            physical_names=names,
            stack_name=f"rt-{uuid.uuid4().hex[:8]}",
        )
        runtime.provision()
        for name, value in runtime.environment().items():
            monkeypatch.setenv(name, value)
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        runtime.stop()
