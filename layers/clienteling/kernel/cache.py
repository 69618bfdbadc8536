"""A read-through cache with a time-to-live, for configuration read on hot paths (stores, settings)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    def __init__(
        self, load: Callable[[K], V], *, ttl_seconds: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._load = load
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V:
        now = self._monotonic()
        cached = self._entries.get(key)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        value = self._load(key)
        self._entries[key] = (now, value)
        return value

    def forget(self, key: K) -> None:
        self._entries.pop(key, None)
