"""Store configuration cached across warm invocations: it changes rarely and is read on every webhook."""

from __future__ import annotations

import time
from collections.abc import Callable

from clienteling.domain.stores import Store
from clienteling.repositories.stores import StoreRepository


class StoreDirectory:
    """Read-through cache of stores by id and by texting number, with a time-to-live."""

    def __init__(
        self, stores: StoreRepository, *, ttl_seconds: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._stores = stores
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._by_id: dict[str, tuple[float, Store | None]] = {}
        self._id_by_phone: dict[str, tuple[float, str | None]] = {}

    def get(self, store_id: str) -> Store | None:
        now = self._monotonic()
        cached = self._by_id.get(store_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        store = self._stores.get(store_id)
        self._by_id[store_id] = (now, store)
        return store

    def by_phone(self, e164: str) -> Store | None:
        now = self._monotonic()
        cached = self._id_by_phone.get(e164)
        if cached is None or now - cached[0] >= self._ttl:
            cached = (now, self._stores.id_by_phone(e164))
            self._id_by_phone[e164] = cached
        return self.get(cached[1]) if cached[1] else None

    def forget(self, store_id: str) -> None:
        """Drop a store this function just changed, so it reads its own writes."""
        self._by_id.pop(store_id, None)
