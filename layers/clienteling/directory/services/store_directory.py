"""Store configuration cached across warm invocations: it changes rarely and is read on every webhook."""

from __future__ import annotations

import time
from collections.abc import Callable

from clienteling.directory.domain.stores import Store
from clienteling.directory.repositories.stores import StoreRepository
from clienteling.kernel.cache import TtlCache


class StoreDirectory:
    """Stores by id and by texting number, each cached for `ttl_seconds`."""

    def __init__(
        self, stores: StoreRepository, *, ttl_seconds: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._by_id: TtlCache[str, Store | None] = TtlCache(stores.get, ttl_seconds=ttl_seconds, monotonic=monotonic)
        self._id_by_phone: TtlCache[str, str | None] = TtlCache(
            stores.id_by_phone, ttl_seconds=ttl_seconds, monotonic=monotonic
        )

    def get(self, store_id: str) -> Store | None:
        return self._by_id.get(store_id)

    def by_phone(self, e164: str) -> Store | None:
        store_id = self._id_by_phone.get(e164)
        return self.get(store_id) if store_id else None

    def forget(self, store_id: str) -> None:
        """Drop a store this function just changed, so it reads its own writes."""
        self._by_id.forget(store_id)
