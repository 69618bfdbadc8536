"""Products as messages need them (a name and the product page URL). The carts issue owns the catalog."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clienteling.repositories import keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


@dataclass(frozen=True, slots=True)
class ProductLink:
    sku: str
    name: str
    url: str | None


class ProductLinks:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get_many(self, skus: list[str]) -> dict[str, ProductLink]:
        """AP-P1: products by SKU. 1 BatchGetItem (up to 100)."""
        if not skus:
            return {}
        request: dict[str, Any] = {self._table.name: {"Keys": [keys.product(s) for s in dict.fromkeys(skus)]}}
        found: dict[str, ProductLink] = {}
        while request:
            response = self._table.meta.client.batch_get_item(RequestItems=request)
            for item in response["Responses"].get(self._table.name, []):
                url = item.get("product_url")
                found[str(item["sku"])] = ProductLink(
                    sku=str(item["sku"]), name=str(item["name"]), url=str(url) if url else None
                )

            request = response.get("UnprocessedKeys") or {}
        return found
