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

Extension point, campaign sending: the campaigns feature calls `kernel.transactions.attempt` and
`failed_conditions` on its table directly rather than through a unit of work. Once it goes through
`UnitOfWork.attempt` / `failed_conditions`, `FakeUnitOfWork` implements those two (they raise NotImplementedError
until then) and a fake of its repository joins these modules.
"""
