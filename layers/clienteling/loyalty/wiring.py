"""Loyalty's providers for the handlers' `Depends`: its services, built from the shared resources and from
what other features' wiring provides. Each provider imports what it builds only when called (cold start).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from clienteling.directory.wiring import customer_enrolment, customer_records, store_directory
from clienteling.kernel.config import get_settings
from clienteling.resources import clock, email_sender, table, unit_of_work

if TYPE_CHECKING:
    from clienteling.kernel.cache import TtlCache
    from clienteling.loyalty.domain.points import EarningRule
    from clienteling.loyalty.domain.rewards import FrequentBuyerCard, RewardProgram
    from clienteling.loyalty.services.gift_cards import GiftCardService
    from clienteling.loyalty.services.loyalty import LoyaltyService
    from clienteling.loyalty.services.purchases import PurchaseService
    from clienteling.loyalty.services.rewards import RewardsService


@functools.cache
def earning_rule_cache() -> TtlCache[str, EarningRule]:
    from clienteling.kernel.cache import TtlCache
    from clienteling.loyalty.repositories.rewards import RewardsRepository

    return TtlCache(RewardsRepository(table()).earning_rule, ttl_seconds=get_settings().store_cache_seconds)


@functools.cache
def reward_programs_cache() -> TtlCache[str, list[RewardProgram]]:
    from clienteling.kernel.cache import TtlCache
    from clienteling.loyalty.repositories.rewards import RewardsRepository

    return TtlCache(RewardsRepository(table()).programs, ttl_seconds=get_settings().store_cache_seconds)


@functools.cache
def frequent_buyer_cards_cache() -> TtlCache[str, list[FrequentBuyerCard]]:
    from clienteling.kernel.cache import TtlCache
    from clienteling.loyalty.repositories.rewards import RewardsRepository

    return TtlCache(RewardsRepository(table()).cards, ttl_seconds=get_settings().store_cache_seconds)


def purchase_service() -> PurchaseService:
    from clienteling.loyalty.repositories.gift_cards import GiftCardRepository
    from clienteling.loyalty.repositories.loyalty import LoyaltyRepository
    from clienteling.loyalty.services.purchases import PurchaseService

    settings = get_settings()
    return PurchaseService(
        loyalty=LoyaltyRepository(table()),
        customers=customer_records(),
        enrolment=customer_enrolment(),
        gift_cards=GiftCardRepository(table()),
        work=unit_of_work,
        earning_rule=earning_rule_cache(),
        cards=frequent_buyer_cards_cache(),
        stores=store_directory(),
        email=email_sender,
        clock=clock(),
        public_base_url=settings.public_base_url,
    )


def loyalty_service() -> LoyaltyService:
    from clienteling.adapters.card_codes import render
    from clienteling.loyalty.repositories.loyalty import LoyaltyRepository
    from clienteling.loyalty.repositories.rewards import RewardsRepository
    from clienteling.loyalty.services.loyalty import LoyaltyService

    return LoyaltyService(
        loyalty=LoyaltyRepository(table()),
        rewards=RewardsRepository(table()),
        work=unit_of_work,
        programs=reward_programs_cache(),
        cards=frequent_buyer_cards_cache(),
        earning_rule=earning_rule_cache(),
        stores=store_directory(),
        codes=render,
        clock=clock(),
    )


def rewards_service() -> RewardsService:
    from clienteling.loyalty.repositories.rewards import RewardsRepository
    from clienteling.loyalty.services.rewards import RewardsService

    return RewardsService(
        RewardsRepository(table()),
        work=unit_of_work,
        programs_cache=reward_programs_cache(),
        cards_cache=frequent_buyer_cards_cache(),
        rule_cache=earning_rule_cache(),
        clock=clock(),
    )


def gift_card_service() -> GiftCardService:
    from clienteling.loyalty.repositories.gift_cards import GiftCardRepository
    from clienteling.loyalty.repositories.loyalty import LoyaltyRepository
    from clienteling.loyalty.services.gift_cards import GiftCardService

    return GiftCardService(
        cards=GiftCardRepository(table()),
        loyalty=LoyaltyRepository(table()),
        work=unit_of_work,
        stores=store_directory(),
        email=email_sender,
        clock=clock(),
    )
