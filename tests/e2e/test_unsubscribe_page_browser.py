"""The unsubscribe link of a campaign email in a real browser: headless Chromium (as for the cart page) opens it on
a phone-sized window. Opening it changes nothing; the page asks, in the customer's language, without JavaScript,
under the cart page's security headers; its button (a plain form POST back to the link) unsubscribes."""

from __future__ import annotations

import html
import re
from pathlib import Path

import requests

from infra.local.stack import RunningStack
from tests.conftest import OUTPUT, World
from tests.e2e.test_campaigns import email_campaign_link, email_consent
from tests.e2e.test_cart_page_browser import _run


def _text(dom: str) -> str:
    body = dom.split("<body>", 1)[1]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_the_customer_confirms_on_their_phone(world: World, local_stack: RunningStack) -> None:
    # Given Zoë got a campaign email from the Paris store (French), with its unsubscribe link
    customer, _, email = email_campaign_link(world, local_stack)
    link = email["listUnsubscribe"]
    before = email_consent(world, customer["id"])

    # When her phone's browser opens the link (and renders it again for the screenshot)
    dom = _run("--dump-dom", link)
    screenshot = OUTPUT / "unsubscribe-page.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.unlink(missing_ok=True)
    _run(f"--screenshot={screenshot}", link)

    # Then she sees the question and the button, in French, and nothing changed yet
    text = _text(dom)
    assert world.stores["paris"]["name"] in text
    assert "Voulez-vous ne plus recevoir nos emails marketing à cette adresse ?" in text
    assert "Me désabonner" in text
    assert '<html lang="fr">' in dom
    assert "<script" not in dom
    assert email_consent(world, customer["id"]) == before
    assert screenshot.exists()
    assert screenshot.stat().st_size > 5_000
    assert Path(screenshot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # And the page sends the cart page's headers, with its form allowed to post to itself only
    page = requests.get(link, timeout=10)
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "form-action 'self'" in csp
    assert "script-src" not in csp  # no script at all (default-src 'none')
    assert re.search(r"style-src 'nonce-[\w-]+'", csp)
    for name, value in {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "X-Robots-Tag": "noindex, nofollow",
        "Strict-Transport-Security": "max-age=31536000",
    }.items():
        assert page.headers[name] == value, name
    assert "frame-ancestors 'none'" in csp

    # When she presses the button: the browser posts the form to the page's own URL, as here
    form = re.search(r'<form method="post">\s*<input type="hidden" name="([^"]+)" value="([^"]+)">', dom)
    assert form is not None, dom
    done = requests.post(link, data={form.group(1): form.group(2)}, timeout=10)

    # Then she is unsubscribed, and told so
    assert done.status_code == 200
    assert "Vous êtes désabonné(e)" in html.unescape(done.text)
    latest = email_consent(world, customer["id"])[0]
    assert (latest["status"], latest["method"]) == ("opted_out", "email_link")


def test_the_page_speaks_english_to_an_english_store(world: World, local_stack: RunningStack) -> None:
    # A link the page cannot tie to a store (a test email's) follows the browser: Chromium here says fr-FR; an
    # English browser gets English.
    from clienteling.campaigns.domain import unsubscribe

    from infra.local import config

    key = config.LocalSettings.from_environment().unsubscribe_signing_key.encode()
    link = f"{local_stack.api_url}/email/unsubscribe/{unsubscribe.sign(key, unsubscribe.TEST_CUSTOMER, 'K' * 26)}"
    english = requests.get(link, headers={"Accept-Language": "en-GB,en;q=0.9"}, timeout=10)
    assert "Do you want to stop receiving our marketing emails at this address?" in english.text
    assert '<html lang="en">' in english.text
    assert "Ce lien vient d'un email de test" in html.unescape(
        requests.post(link, headers={"Accept-Language": "fr"}, timeout=10).text
    )
