"""The fast tier is sockets-free by construction (tests/fast/conftest.py): these hold the guard itself."""

from __future__ import annotations

import contextlib
import socket

import boto3
import pytest

from tests.fast.conftest import SocketBlocked, SocketGuard


def test_a_connection_is_refused_and_remembered(no_sockets: SocketGuard) -> None:
    # Given the fast tier's guard
    # When code connects somewhere, here where DynamoDB Local listens
    with socket.socket() as connection, pytest.raises(SocketBlocked):
        connection.connect(("127.0.0.1", 8000))

    # Then the attempt is refused and remembered, so the test fails even if the code had swallowed the error
    assert no_sockets.attempts == [("127.0.0.1", 8000)]
    no_sockets.attempts.clear()  # made on purpose here


def test_an_aws_client_cannot_reach_anything(no_sockets: SocketGuard) -> None:
    # Given a DynamoDB client pointed at a local endpoint, as the integration tier has
    client = boto3.client(
        "dynamodb", endpoint_url="http://127.0.0.1:8000", region_name="eu-west-3",
        aws_access_key_id="fast", aws_secret_access_key="fast",
    )  # fmt: skip

    # When a service's repository would call it, and swallowed whatever went wrong
    with contextlib.suppress(Exception):  # what careless code under test could do
        client.list_tables()

    # Then the guard saw the attempt anyway
    assert ("127.0.0.1", 8000) in no_sockets.attempts
    no_sockets.attempts.clear()  # made on purpose here


def test_the_local_stack_cannot_be_asked_for(request: pytest.FixtureRequest) -> None:
    # Given a fast test
    # When it asks for the local stack (DynamoDB Local, moto server, the gateway)
    # Then it fails, told to use the fakes instead
    with pytest.raises(pytest.fail.Exception, match="without the local stack"):
        request.getfixturevalue("local_stack")
