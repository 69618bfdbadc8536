"""The catalog in the single table: products, their name-search entries, barcode markers, and categories.

Access patterns AP-P1..AP-P8 of docs/data-model.md. Product items keep the attribute names other features
read by `keys.product(sku)` (sku, gtin, name, description, category_id, price_minor, currency, tax_category,
image_url, product_url, availability).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from clienteling.directory.domain.catalog import Category, Product, ProductLink
from clienteling.kernel import cursors, keys, transactions
from clienteling.kernel.errors import AlreadyExists
from clienteling.kernel.items import dt_or_none, to_int, when, without_none
from clienteling.kernel.pages import Page
from clienteling.kernel.search_text import query_terms

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

TRANSACTION_LIMIT = 100


class CatalogRepository:
    def __init__(self, table: Table) -> None:
        self._table = table

    # ------------------------------------------------------------------ products
    def get(self, sku: str) -> Product | None:
        """AP-P1: one product. 1 GetItem."""
        item = self._table.get_item(Key=keys.product(sku)).get("Item")
        return product_from_item(item) if item else None

    def get_many(self, skus: Iterable[str]) -> dict[str, Product]:
        """AP-P2: products by SKU. 1 BatchGetItem per 100."""
        return {p.sku: p for p in (product_from_item(i) for i in self._batch_get([keys.product(s) for s in skus]))}

    def links(self, skus: list[str]) -> dict[str, ProductLink]:
        """AP-P2: names and product pages, for links in messages."""
        return {sku: ProductLink(sku=sku, name=p.name, url=p.product_url) for sku, p in self.get_many(skus).items()}

    def by_gtin(self, gtin: str) -> Product | None:
        """AP-P3: the product with a barcode (scanning). 1 Query on GSI2."""
        response = self._table.query(
            IndexName="GSI2", KeyConditionExpression=Key("GSI2PK").eq(_gtin_index(gtin)), Limit=1
        )
        return product_from_item(response["Items"][0]) if response["Items"] else None

    def gtin_owners(self, gtins: Iterable[str]) -> dict[str, str]:
        """AP-P4: the SKU holding each barcode. 1 BatchGetItem per 100 (strongly consistent)."""
        items = self._batch_get([keys.product_gtin(g) for g in gtins], consistent=True)
        return {str(i["gtin"]): str(i["sku"]) for i in items}

    def search(self, text: str, *, limit: int, cursor: str | None) -> Page[Product]:
        """AP-P5: products whose name has words starting with the words typed, any case or accent. 1 Query on
        GSI1: the longest word picks the bucket and the key prefix, the others filter."""
        terms = query_terms(text)
        if not terms:
            return Page([])
        lead = max(terms, key=len)
        others = [t for t in terms if t != lead]
        partition = keys.product_name_index(lead[0])
        request: dict[str, Any] = {
            "IndexName": "GSI1",
            "KeyConditionExpression": Key("GSI1PK").eq(partition) & Key("GSI1SK").begins_with(lead),
            "Limit": limit,
        }
        if cursor:
            request["ExclusiveStartKey"] = cursors.decode(cursor, partition_attribute="GSI1PK", partition=partition)
        response = self._table.query(**request)
        found: dict[str, Product] = {}
        for item in response["Items"]:
            tokens = [str(t) for t in item.get("tokens", [])]  # type: ignore[union-attr]
            if all(any(t.startswith(o) for t in tokens) for o in others):
                product = product_from_item(item)
                found.setdefault(product.sku, product)
        return Page(list(found.values()), cursors.encode(response.get("LastEvaluatedKey")))

    def upsert_ops(self, product: Product, previous: Product | None) -> list[transactions.Op]:
        """AP-P6: the operations that write a product (insert or replace) with its search entries and barcode."""
        ops = [transactions.put(self._table, _product_to_item(product))]
        old_tokens = set(previous.name_tokens) if previous else set()
        ops += [transactions.put(self._table, _name_entry(product, token)) for token in product.name_tokens]
        ops += [
            transactions.delete(self._table, keys.product_name_entry(product.sku, t))
            for t in sorted(old_tokens - set(product.name_tokens))
        ]
        if product.gtin and (previous is None or previous.gtin != product.gtin):
            ops.append(
                transactions.put(
                    self._table,
                    {**keys.product_gtin(product.gtin), "entity": "product_gtin", "gtin": product.gtin,
                     "sku": product.sku},
                    condition="attribute_not_exists(PK) OR sku = :sku",
                    values={":sku": product.sku},
                    error=AlreadyExists(f"Barcode {product.gtin} belongs to another product."),
                )
            )  # fmt: skip
        if previous is not None and previous.gtin and previous.gtin != product.gtin:
            ops.append(
                transactions.delete(
                    self._table,
                    keys.product_gtin(previous.gtin),
                    condition="attribute_not_exists(PK) OR sku = :sku",
                    values={":sku": product.sku},
                )
            )
        return ops

    def write(self, batches: list[list[transactions.Op]]) -> None:
        """AP-P6: write products, each product's operations in the same transaction (up to 100 operations)."""
        chunk: list[transactions.Op] = []
        for ops in batches:
            if chunk and len(chunk) + len(ops) > TRANSACTION_LIMIT:
                transactions.transact(self._table, chunk)
                chunk = []
            chunk += ops
        if chunk:
            transactions.transact(self._table, chunk)

    # ------------------------------------------------------------------ categories
    def put_category(self, category: Category) -> None:
        """AP-P7: create or rename a category. 1 PutItem."""
        self._table.put_item(
            Item=without_none(
                {
                    **keys.category(category.id),
                    "entity": "category",
                    "GSI1PK": keys.CATEGORIES_INDEX,
                    "GSI1SK": f"{category.name.casefold()}#{category.id}",
                    "id": category.id,
                    "name": category.name,
                    "parent_id": category.parent_id,
                    "updated_at": when(category.updated_at) if category.updated_at else None,
                }
            )
        )

    def categories(self) -> list[Category]:
        """AP-P8: every category by name. 1 Query on GSI1 (per 1 MB page)."""
        request: dict[str, Any] = {"IndexName": "GSI1", "KeyConditionExpression": Key("GSI1PK").eq("CATEGORIES")}
        found: list[Category] = []
        while True:
            response = self._table.query(**request)
            found += [_category_from_item(i) for i in response["Items"]]
            if "LastEvaluatedKey" not in response:
                return found
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def existing_categories(self, category_ids: Iterable[str]) -> set[str]:
        """AP-P2 (categories): which of these category ids exist. 1 BatchGetItem per 100."""
        return {str(i["id"]) for i in self._batch_get([keys.category(c) for c in category_ids])}

    # ------------------------------------------------------------------ helpers
    def _batch_get(self, wanted: list[keys.Key], *, consistent: bool = False) -> list[dict[str, Any]]:
        unique = list({(k["PK"], k["SK"]): k for k in wanted}.values())
        found: list[dict[str, Any]] = []
        for start in range(0, len(unique), 100):
            request: dict[str, Any] = {
                self._table.name: {"Keys": unique[start : start + 100], "ConsistentRead": consistent}
            }
            while request:
                response = self._table.meta.client.batch_get_item(RequestItems=request)
                found += [dict(i) for i in response["Responses"].get(self._table.name, [])]
                request = response.get("UnprocessedKeys") or {}
        return found


def _gtin_index(gtin: str) -> str:
    return f"GTIN#{gtin}"


def _product_attributes(product: Product) -> dict[str, Any]:
    return without_none(
        {
            "sku": product.sku,
            "gtin": product.gtin,
            "name": product.name,
            "description": product.description,
            "category_id": product.category_id,
            "price_minor": product.price_minor,
            "currency": product.currency,
            "tax_category": product.tax_category,
            "image_url": product.image_url,
            "product_url": product.product_url,
            "availability": dict(product.availability),
            "updated_at": when(product.updated_at) if product.updated_at else None,
        }
    )


def _product_to_item(product: Product) -> dict[str, Any]:
    item = {**keys.product(product.sku), "entity": "product", **_product_attributes(product)}
    if product.gtin:
        item |= {"GSI2PK": _gtin_index(product.gtin), "GSI2SK": product.sku}
    return item


def _name_entry(product: Product, token: str) -> dict[str, Any]:
    return {
        **keys.product_name_entry(product.sku, token),
        "entity": "product_name_entry",
        "GSI1PK": keys.product_name_index(token[0]),
        "GSI1SK": keys.product_name_sort(token, product.sku),
        "tokens": product.name_tokens,
        **_product_attributes(product),
    }


def product_from_item(item: dict[str, Any]) -> Product:
    """A product item as written by the catalog (also read inside other features' batch reads)."""
    return Product(
        sku=str(item["sku"]),
        name=str(item["name"]),
        price_minor=to_int(item.get("price_minor")),
        currency=str(item.get("currency", "")),
        tax_category=str(item.get("tax_category", "standard")),
        gtin=item.get("gtin"),
        description=item.get("description"),
        category_id=item.get("category_id"),
        image_url=item.get("image_url"),
        product_url=item.get("product_url"),
        availability={str(k): bool(v) for k, v in (item.get("availability") or {}).items()},
        updated_at=dt_or_none(item.get("updated_at")),
    )


def _category_from_item(item: dict[str, Any]) -> Category:
    return Category(
        id=str(item["id"]),
        name=str(item["name"]),
        parent_id=item.get("parent_id"),
        updated_at=dt_or_none(item.get("updated_at")),
    )
