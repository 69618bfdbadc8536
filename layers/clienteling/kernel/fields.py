"""Field types shared by several features' contracts, each declared once: a value one feature accepts (a SKU at
the till, a phone number in a gift card sale) is one every other feature accepts too (the catalog, a customer)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from clienteling.kernel import reference
from clienteling.kernel.wire import ApiModel, ResponseModel, lowercase_matching

Country = Annotated[str, StringConstraints(min_length=2, max_length=2), AfterValidator(reference.country)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# A customer's fields, also used by stores, campaigns and loyalty (a new customer at the till, a gift card's
# recipient), none of which need the customer models.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=32)]
Tag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    lowercase_matching(r"^[a-z0-9][a-z0-9_-]*$", "tags are letters, digits, - and _ (for example vip, summer-2026)"),
]
InternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
AttributeName = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
AttributeValue = Annotated[str, StringConstraints(max_length=200)] | int | float | bool

# The catalog's rule for a SKU, the one every contract that names a product uses (the till, carts, texts' product
# links, frequent-buyer cards, campaign audiences): a SKU accepted anywhere can exist in the catalog.
SKU_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
Sku = Annotated[str, StringConstraints(strip_whitespace=True, pattern=SKU_PATTERN)]
# A product category as loyalty's rules and campaign audiences name it (the catalog's own category ids are Ids).
CategoryId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
# Amounts in minor units of the currency, as the till and gift cards take them.
Minor = Annotated[int, Field(ge=0, le=10**10, description="An amount in minor units of the currency (cents)")]
PositiveMinor = Annotated[int, Field(ge=1, le=10**10, description="An amount in minor units of the currency")]


class Address(ApiModel):
    line1: Line
    line2: Line | None = None
    city: Line
    region: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = Field(
        default=None, description="State, province or county."
    )
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    country: Country = Field(description="ISO 3166-1 alpha-2, for example FR.")


class AddressOut(ResponseModel):
    line1: str
    line2: str | None = None
    city: str
    region: str | None = None
    postal_code: str
    country: str
