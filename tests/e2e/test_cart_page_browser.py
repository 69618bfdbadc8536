"""The customer's cart page in a real browser: headless Chromium (Debian's package, installed by `make test`)
opens a shared cart on a phone-sized window, we read what it rendered and keep a screenshot."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from infra.local.stack import RunningStack
from tests.conftest import OUTPUT, World
from tests.e2e.cart_helpers import make_shop

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=390,844",
    "--hide-scrollbars",
    "--lang=fr-FR",
]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install -y chromium chromium-driver)")
    return found


def _run(*args: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [_chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_customer_sees_their_cart_on_a_phone(world: World, local_stack: RunningStack) -> None:
    shop = make_shop(world, local_stack, "paris")
    etag = shop.cart().headers["ETag"]
    for sku, fulfillment in ((shop.skus["dress"], "in_store"), (shop.skus["bag"], "ship")):
        added = shop.change("POST", "/lines", {"sku": sku, "fulfillment": fulfillment}, etag=etag)
        etag = added.headers["ETag"]
    dress = added.json()["lines"][0]["id"]
    etag = shop.change(
        "PATCH", f"/lines/{dress}", {"discount": {"type": "percent", "percent": 10, "reason": "Fidélité"}}, etag=etag
    ).headers["ETag"]
    delivered = shop.change(
        "PATCH",
        "",
        {"discount": {"type": "percent", "percent": 5, "reason": "Bienvenue"},
         "deliveryAddress": {"line1": "3 rue du Bac", "city": "Lyon", "postalCode": "69002", "country": "FR"},
         "shippingOptionId": "colissimo"},
        etag=etag,
    )  # fmt: skip
    assert delivered.status_code == 200, delivered.text
    shared = shop.api.post(f"{shop.cart_path}/share", token=shop.associate).json()

    dom = _run("--dump-dom", shared["pageUrl"])
    body = dom.split("<body>", 1)[1]
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))
    assert "Bonjour Zoë," in text
    assert "Secretname" not in dom
    assert "Robe portefeuille en soie" in text
    assert "Sac cabas en cuir grainé" in text
    assert "Retrait en boutique" in text
    assert "Livraison" in text
    assert "Colissimo 48 h à Lyon" in text
    assert "Remise −39,00 € · Fidélité" in text  # the line's own discount, with its reason
    assert "Remise sur le panier (Bienvenue) −50,05 €" in text  # 5 % of 351.00 + 650.00, half up
    total = shared["cart"]["totals"]["totalMinor"]
    shown = f"{total // 100:,}".replace(",", " ") + f",{total % 100:02d} €"  # spaces: narrow and no-break ones
    assert f"Payer {shown}" in text, text
    assert re.search(r"Ce panier vous attend jusqu'au \w+ \d+ \w+ \d{4} à 23:59\.", text), text
    assert f'href="{shared["paymentUrl"]}"' in dom

    screenshot = OUTPUT / "cart-page.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.unlink(missing_ok=True)
    _run(f"--screenshot={screenshot}", shared["pageUrl"])
    assert screenshot.exists()
    assert screenshot.stat().st_size > 10_000
    assert Path(screenshot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
