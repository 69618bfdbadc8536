"""One-click unsubscribe from campaign emails: the link each email carries (signed, no login). Opening it
(`preview`, a GET) changes nothing: mail scanners open every link. Confirming it (`unsubscribe`, RFC 8058's
one-click POST or the page's button) makes email marketing consent opted_out, with the campaign as proof, through
the directory's consent recording."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from clienteling.campaigns.domain import unsubscribe
from clienteling.directory.ports import (
    BUSINESS_WIDE,
    Channel,
    ConsentDecision,
    ConsentRecording,
    CustomerRecords,
    Method,
    Purpose,
    Status,
    StoreLookup,
    effective,
)
from clienteling.kernel.clock import Clock
from clienteling.kernel.observability import logger
from clienteling.kernel.unit_of_work import StartWork

PATH = "/email/unsubscribe/"


class UnsubscribeLinks:
    def __init__(self, key: Callable[[], bytes], base_url: str) -> None:
        self._key = key
        self._base = base_url.rstrip("/")

    def url(self, customer_id: str, campaign_id: str) -> str:
        return f"{self._base}{PATH}{unsubscribe.sign(self._key(), customer_id, campaign_id)}"

    def verify(self, token: str) -> unsubscribe.Unsubscribe:
        return unsubscribe.verify(self._key(), token)


class Outcome(StrEnum):
    CONFIRM = "confirm"  # a valid link, opened: ask before changing anything
    UNSUBSCRIBED = "unsubscribed"
    ALREADY = "already"  # opted out before: nothing to change
    TEST = "test"  # the link of a test email
    INVALID = "invalid"  # not a link we made


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    locale: str | None = None  # the home store's; None: the reader's browser decides
    brand: str | None = None


class UnsubscribeService:
    def __init__(
        self,
        *,
        links: UnsubscribeLinks,
        customers: CustomerRecords,
        consents: ConsentRecording,
        stores: StoreLookup,
        work: StartWork,
        clock: Clock,
    ) -> None:
        self._links = links
        self._customers = customers
        self._stores = stores
        self._work = work
        self._clock = clock
        self._consents = consents

    def preview(self, token: str) -> Result:
        """What confirming the link would do, without doing it (a GET: safe for scanners and prefetchers)."""
        try:
            request = self._links.verify(token)
        except unsubscribe.InvalidToken:
            return Result(Outcome.INVALID)
        if request.is_test:
            return Result(Outcome.CONFIRM)  # the test email's page looks like the real one; confirming changes nothing
        customer = self._customers.get(request.customer_id)
        if customer is None:
            return Result(Outcome.ALREADY)
        store = self._stores.get(customer.home_store_id)
        locale, brand = (store.locale, store.name) if store else (None, None)
        if effective(customer.consents, Channel.EMAIL, Purpose.MARKETING) == Status.OPTED_OUT:
            return Result(Outcome.ALREADY, locale, brand)
        return Result(Outcome.CONFIRM, locale, brand)

    def unsubscribe(self, token: str) -> Result:
        try:
            request = self._links.verify(token)
        except unsubscribe.InvalidToken:
            logger.info("unsubscribe link not ours")
            return Result(Outcome.INVALID)
        if request.is_test:
            return Result(Outcome.TEST)
        customer = self._customers.get(request.customer_id)
        if customer is None:  # erased since: nothing to send to any more
            return Result(Outcome.ALREADY)
        store = self._stores.get(customer.home_store_id)
        locale, brand = (store.locale, store.name) if store else (None, None)
        current = effective(customer.consents, Channel.EMAIL, Purpose.MARKETING)
        if current == Status.OPTED_OUT:
            return Result(Outcome.ALREADY, locale, brand)
        work = self._work()
        self._consents.record(
            work,
            customer.id,
            [
                ConsentDecision(
                    channel=Channel.EMAIL,
                    purpose=Purpose.MARKETING,
                    scope=BUSINESS_WIDE,
                    status=Status.OPTED_OUT,
                    method=Method.EMAIL_LINK,
                    note=f"unsubscribe link of campaign {request.campaign_id}",
                )
            ],
            now=self._clock(),
            previous=lambda _: current,
            thread_stores=[],
        )
        work.commit()
        logger.info("unsubscribed by link", extra={"customer_id": customer.id, "campaign_id": request.campaign_id})
        return Result(Outcome.UNSUBSCRIBED, locale, brand)
