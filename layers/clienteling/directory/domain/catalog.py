"""The catalog: products (priced in minor units of their currency) and the categories they belong to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from clienteling.kernel.search_text import search_tokens

MAX_NAME_TOKENS = 20


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    name: str
    parent_id: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    name: str
    price_minor: int
    currency: str
    tax_category: str
    gtin: str | None = None
    description: str | None = None
    category_id: str | None = None
    image_url: str | None = None
    product_url: str | None = None
    availability: dict[str, bool] = field(default_factory=dict)  # store id -> in stock for in-store sale
    updated_at: datetime | None = None

    @property
    def name_tokens(self) -> list[str]:
        return search_tokens(self.name)[:MAX_NAME_TOKENS]

    def available_in(self, store_id: str) -> bool:
        return bool(self.availability.get(store_id, False))

    def same_content(self, other: Product) -> bool:
        """Equal except for when it was written (an import of the same file changes nothing)."""
        return (self.sku, self.name, self.price_minor, self.currency, self.tax_category, self.gtin) == (
            other.sku,
            other.name,
            other.price_minor,
            other.currency,
            other.tax_category,
            other.gtin,
        ) and (self.description, self.category_id, self.image_url, self.product_url, self.availability) == (
            other.description,
            other.category_id,
            other.image_url,
            other.product_url,
            other.availability,
        )


@dataclass(frozen=True, slots=True)
class ProductLink:
    """What a message needs to link a product: its name and page."""

    sku: str
    name: str
    url: str | None


def valid_gtin(code: str) -> bool:
    """GTIN-8, -12 (UPC), -13 (EAN) or -14 with a correct check digit."""
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check
