"""Value shapes of loyalty's own contracts (loyalty, rewards, gift cards); the ones other features share too
(Sku, CategoryId, Name, PhoneText, Minor, PositiveMinor) are in clienteling.kernel.fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

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
