"""Scannable codes for the customer's loyalty card: a QR code (PNG and SVG, segno) and a Code 128 barcode (SVG,
python-barcode). Both libraries are pure Python; they are imported on first use, so only the function that
serves the card pays for them at cold start."""

from __future__ import annotations

import io
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CardCodes:
    qr_png: bytes
    qr_svg: str
    barcode_svg: str


def render(text: str) -> CardCodes:
    import barcode  # type: ignore[import-untyped]  # noqa: PLC0415 - heavy, first use only
    import segno  # noqa: PLC0415
    from barcode.writer import SVGWriter  # type: ignore[import-untyped]  # noqa: PLC0415

    qr = segno.make(text, error="m", micro=False)
    png, svg = io.BytesIO(), io.BytesIO()
    qr.save(png, kind="png", scale=8, border=2)
    qr.save(svg, kind="svg", scale=4, border=2, xmldecl=False)
    code128 = barcode.get_barcode_class("code128")(text, writer=SVGWriter())
    bars = io.BytesIO()
    code128.write(bars, options={"module_height": 12.0, "font_size": 8, "text_distance": 4.0})
    return CardCodes(qr_png=png.getvalue(), qr_svg=svg.getvalue().decode(), barcode_svg=bars.getvalue().decode())
