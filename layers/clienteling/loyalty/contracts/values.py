"""Value shapes shared by the loyalty, rewards and gift card contracts."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

# The customer contracts' shapes, repeated here so loyalty functions do not build every customer model at import.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=32)]
Minor = Annotated[int, Field(ge=0, le=10**10, description="An amount in minor units of the currency (cents)")]
PositiveMinor = Annotated[int, Field(ge=1, le=10**10, description="An amount in minor units of the currency")]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
CategoryId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
ScannedNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[0-9 \-]+$"),
]
CardNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=8, max_length=40, pattern=r"^[0-9 \-]+$")
]
Pin = Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=8, pattern=r"^[0-9]+$")]
Percent = Annotated[Decimal, Field(gt=0, le=100, max_digits=6, decimal_places=2)]


def exactly_one(model: BaseModel, names: tuple[str, ...]) -> None:
    given = [n for n in names if getattr(model, n) is not None]
    if len(given) != 1:
        raise ValueError(f"give exactly one of {', '.join(names)}")
