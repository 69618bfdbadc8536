"""The catalog on the wire: products, categories and the bulk import's lines."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic.alias_generators import to_camel

from clienteling.directory.contracts.stores import Currency, TaxCategory
from clienteling.directory.domain.catalog import valid_gtin
from clienteling.kernel.fields import Sku
from clienteling.kernel.wire import ApiModel, Id, NonEmptyText, ResponseModel


def _gtin(value: str) -> str:
    if not valid_gtin(value):
        raise ValueError("is not a GTIN-8, -12, -13 or -14 with a valid check digit")
    return value


def _web_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError("must be an http(s) URL")
    return value


Gtin = Annotated[str, StringConstraints(strip_whitespace=True, max_length=14), AfterValidator(_gtin)]
WebUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_web_url)]


class ProductLine(BaseModel):
    """One line of an import file (JSON lines or CSV). CSV headers are these names, camelCase or snake_case.

    Give the price either as `price` in major units of the currency ("129.90" EUR, "1500" JPY, "12.345" KWD)
    or as `priceMinor` in minor units; `availability` maps store ids to true/false (CSV: "id1=true;id2=false").
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    sku: Sku
    gtin: Gtin | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    category_id: Id | None = None
    price: Annotated[Decimal, Field(ge=0, le=10**9)] | None = None
    price_minor: Annotated[int, Field(ge=0, le=10**12)] | None = None
    currency: Currency
    tax_category: TaxCategory = "standard"
    image_url: WebUrl | None = None
    product_url: WebUrl | None = None
    availability: dict[Id, bool] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _blank_cells(cls, data: Any) -> Any:
        """CSV cells are strings; an empty cell is an absent value."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data

    @field_validator("availability", mode="before")
    @classmethod
    def _availability_cell(cls, value: Any) -> Any:
        if isinstance(value, str):
            pairs = [p.split("=", 1) for p in value.replace(",", ";").split(";") if p.strip()]
            if any(len(p) != 2 for p in pairs):
                raise ValueError('write availability as "storeId=true;storeId=false"')
            return {k.strip(): v.strip() for k, v in pairs}
        return value

    @model_validator(mode="after")
    def _one_price(self) -> ProductLine:
        if (self.price is None) == (self.price_minor is None):
            raise ValueError("give exactly one of price (major units) or priceMinor (minor units)")
        return self


class ImportReport(ResponseModel):
    lines: int
    created: int
    updated: int
    unchanged: int


class ProductOut(ResponseModel):
    sku: str
    gtin: str | None = None
    name: str
    description: str | None = None
    category_id: str | None = None
    price_minor: int = Field(description="Minor units of `currency` (its own exponent: JPY 0, EUR 2, KWD 3)")
    currency: str
    tax_category: str
    image_url: str | None = None
    product_url: str | None = None
    availability: dict[str, bool] = Field(description="Store id -> in stock for in-store sale")
    updated_at: datetime | None = None


class CategoryIn(ApiModel):
    name: NonEmptyText
    parent_id: Id | None = None


class CategoryOut(ResponseModel):
    id: str
    name: str
    parent_id: str | None = None
