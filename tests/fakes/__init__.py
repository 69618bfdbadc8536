"""In-memory fakes for the fast service tier (tests/fast): the providers of kernel.providers, the ports of the
directory and messaging, and the feature repositories the tested use cases write through, committed by a unit of
work in memory (storage.py).

Rules of the house:
- each fake satisfies the Protocol it stands for, checked by mypy where a service receives it;
- a fake mirrors the real implementation where the use case depends on it (conditions, the error a failed condition
  means, idempotency), says in its docstring which real method it mirrors, and implements nothing more: a method
  no fast test needs raises NotImplementedError, naming why;
- a fake never opens a socket (tests/fast/conftest.py fails a test that does).

Storage itself (keys, indexes, request counts, races between real transactions) is DynamoDB Local's to test:
tests/integration and tests/e2e.

Campaign sending decides per operation what a failed transaction means (`UnitOfWork.attempt` and
`failed_conditions`): `FakeUnitOfWork` answers DynamoDB's cancellation reasons, by position, with the item a failed
condition returns where the real operation asks for it (storage.py). The start job (audience indexes, the fan-out's
checkpoints and charges) has no fakes yet: a fast test gives a campaign as the start job leaves it.
"""
