"""The security headers of every customer page (the cart page, the unsubscribe page): nothing cached, nothing
framed, no referrer leaking the link's token, no script at all (strict CSP: only the page's own nonce-tagged
style), nothing indexed."""

from __future__ import annotations


def security_headers(nonce: str, *, images: str = "'none'", form_action: str = "'none'") -> dict[str, str]:
    """`images`: the CSP img-src (the cart page's product pictures); `form_action`: where the page's forms may
    post ('self' for the unsubscribe page's button, nowhere for the cart page)."""
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; img-src {images}; style-src 'nonce-{nonce}'; base-uri 'none'; "
            f"form-action {form_action}; frame-ancestors 'none'"
        ),
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "X-Robots-Tag": "noindex, nofollow",
        "Strict-Transport-Security": "max-age=31536000",
    }


def preferred_language(accept_language: str | None, known: tuple[str, ...] = ("en", "fr")) -> str:
    """The first language of an Accept-Language header we have words for (English otherwise)."""
    for part in (accept_language or "").split(","):
        language = part.split(";")[0].strip().split("-")[0].lower()
        if language in known:
            return language
    return "en"
