"""Stores in the single table. Access patterns AP-S1..AP-S4 of docs/data-model.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clienteling.directory.domain.stores import (
    CartSettings,
    KeywordReplies,
    MessagingSettings,
    OptOutMention,
    ShippingOption,
    Store,
)
from clienteling.kernel import keys, transactions
from clienteling.kernel.errors import AlreadyExists, NotFound, StaleVersion
from clienteling.kernel.items import address_to_item, dt, required_address, to_int, when, without_none
from clienteling.kernel.pages import Page, query_page
from clienteling.kernel.search_text import fold

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

PHONE_TAKEN = AlreadyExists("Another store already uses this phone number.", details=[{"field": "phoneNumber"}])


class StoreRepository:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, store_id: str) -> Store | None:
        """AP-S1: one store. 1 GetItem."""
        item = self._table.get_item(Key=keys.store(store_id)).get("Item")
        return _from_item(item) if item else None

    def require(self, store_id: str) -> Store:
        store = self.get(store_id)
        if store is None:
            raise NotFound("No such store.")
        return store

    def get_many(self, store_ids: list[str]) -> list[Store]:
        """AP-S6: a few stores by id. 1 BatchGetItem (up to 100 ids)."""
        if not store_ids:
            return []
        resource = self._table.meta.client
        response = resource.batch_get_item(
            RequestItems={self._table.name: {"Keys": [keys.store(i) for i in store_ids[:100]]}}
        )
        return [_from_item(i) for i in response["Responses"].get(self._table.name, [])]

    def id_by_phone(self, e164: str) -> str | None:
        """AP-S2: the store texting from a number. 1 GetItem on the uniqueness marker."""
        item = self._table.get_item(Key=keys.store_phone(e164)).get("Item")
        return str(item["store_id"]) if item else None

    def list(self, *, limit: int, cursor: str | None) -> Page[Store]:
        """AP-S3: every store by name. 1 Query on GSI1 per page."""
        return query_page(
            self._table,
            _from_item,
            index="GSI1",
            partition=keys.STORES_INDEX,
            limit=limit,
            cursor=cursor,
        )

    def create(self, store: Store) -> None:
        """AP-S4: a new store and its phone marker. 1 TransactWriteItems."""
        transactions.transact(
            self._table,
            [
                transactions.put(self._table, _to_item(store), condition="attribute_not_exists(PK)"),
                transactions.put(
                    self._table,
                    {**keys.store_phone(store.phone_number), "store_id": store.id},
                    condition="attribute_not_exists(PK)",
                    error=PHONE_TAKEN,
                ),
            ],
        )

    def replace(self, store: Store, *, previous: Store) -> None:
        """AP-S5: save a changed store if nobody changed it since `previous`. 1 TransactWriteItems."""
        ops = [
            transactions.put(
                self._table,
                _to_item(store),
                condition="version = :expected",
                values={":expected": previous.version},
                error=StaleVersion(),
            )
        ]
        if store.phone_number != previous.phone_number:
            ops += [
                transactions.delete(self._table, keys.store_phone(previous.phone_number)),
                transactions.put(
                    self._table,
                    {**keys.store_phone(store.phone_number), "store_id": store.id},
                    condition="attribute_not_exists(PK)",
                    error=PHONE_TAKEN,
                ),
            ]
        transactions.transact(self._table, ops)


def _to_item(store: Store) -> dict[str, Any]:
    return without_none(
        {
            **keys.store(store.id),
            "entity": "store",
            "GSI1PK": keys.STORES_INDEX,
            "GSI1SK": keys.store_sort(fold(store.name), store.id),
            "id": store.id,
            "name": store.name,
            "phone_number": store.phone_number,
            "time_zone": store.time_zone,
            "locale": store.locale,
            "currency": store.currency,
            "address": address_to_item(store.address),
            "tax_mode": store.tax_mode,
            "messaging": _messaging_to_item(store.messaging),
            "cart_settings": _cart_settings_to_item(store.cart_settings),
            "version": store.version,
            "created_at": when(store.created_at),
            "updated_at": when(store.updated_at),
        }
    )


def _from_item(item: dict[str, Any]) -> Store:
    address = required_address(item["address"])
    return Store(
        id=item["id"],
        name=item["name"],
        phone_number=item["phone_number"],
        time_zone=item["time_zone"],
        locale=item["locale"],
        currency=item["currency"],
        address=address,
        tax_mode=item["tax_mode"],
        version=to_int(item["version"]),
        created_at=dt(item["created_at"]),
        updated_at=dt(item["updated_at"]),
        messaging=_messaging_from_item(item.get("messaging") or {}),
        cart_settings=_cart_settings_from_item(item.get("cart_settings")),
    )


def _messaging_to_item(messaging: MessagingSettings) -> dict[str, Any]:
    return without_none(
        {
            "keyword_replies": messaging.keyword_replies.value,
            "help_contact": messaging.help_contact,
            "opt_out_mention": messaging.opt_out_mention.value,
            "stop_number": messaging.stop_number,
            # A string: DynamoDB numbers come back as Decimal, and a rate is read as a float.
            "messages_per_second": str(messaging.messages_per_second) if messaging.messages_per_second else None,
        }
    )


def _cart_settings_to_item(settings: CartSettings) -> dict[str, Any]:
    return without_none(
        {
            "tax_rates_ppm": dict(settings.tax_rates_ppm),
            "shipping_options": [
                {"id": o.id, "name": o.name, "price_minor": o.price_minor, "countries": list(o.countries)}
                for o in settings.shipping_options
            ],
            "shipping_tax_category": settings.shipping_tax_category,
            "max_discount_ppm": settings.max_discount_ppm,
            "allow_mixed_fulfillment": settings.allow_mixed_fulfillment,
        }
    )


def _cart_settings_from_item(item: dict[str, Any] | None) -> CartSettings:
    """Stores saved before carts existed have no settings: the defaults apply."""
    if not item:
        return CartSettings()
    maximum = item.get("max_discount_ppm")
    return CartSettings(
        tax_rates_ppm={str(k): to_int(v) for k, v in (item.get("tax_rates_ppm") or {}).items()},
        shipping_options=tuple(
            ShippingOption(
                id=str(o["id"]),
                name=str(o["name"]),
                price_minor=to_int(o["price_minor"]),
                countries=tuple(str(c) for c in o.get("countries") or ()),
            )
            for o in item.get("shipping_options") or ()
        ),
        shipping_tax_category=str(item.get("shipping_tax_category", "standard")),
        max_discount_ppm=to_int(maximum) if maximum is not None else None,
        allow_mixed_fulfillment=bool(item.get("allow_mixed_fulfillment", False)),
    )


def _messaging_from_item(item: dict[str, Any]) -> MessagingSettings:
    defaults = MessagingSettings()
    rate = item.get("messages_per_second")
    return MessagingSettings(
        keyword_replies=KeywordReplies(item.get("keyword_replies", defaults.keyword_replies.value)),
        help_contact=item.get("help_contact"),
        opt_out_mention=OptOutMention(item.get("opt_out_mention", defaults.opt_out_mention.value)),
        stop_number=item.get("stop_number"),
        messages_per_second=float(rate) if rate else None,
    )
