"""The shared kernel: what every feature stands on (errors, time, ids, configuration, observability, the
table's keys, pages and transactions, the outbox). It imports no feature."""
