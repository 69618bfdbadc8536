"""Loyalty domain objects to response contracts."""

from __future__ import annotations

import base64

from clienteling.contracts.base import Page
from clienteling.contracts.loyalty import (
    CardOut,
    EarningRuleOut,
    FrequentBuyerCardOut,
    FrequentBuyerProgressOut,
    GiftCardOut,
    LedgerEntryOut,
    LoyaltyOut,
    MovementOut,
    NextExpiryOut,
    RewardAvailableOut,
    RewardOut,
    TillTransactionOut,
)
from clienteling.domain.customers import Customer
from clienteling.domain.gift_cards import GiftCard, Movement
from clienteling.domain.loyalty import Available, CardProgress, LoyaltyAccount, PointsEntry, TillTransaction
from clienteling.domain.points import EarningRule
from clienteling.domain.rewards import FrequentBuyerCard, RewardProgram


def reward_out(program: RewardProgram) -> RewardOut:
    return RewardOut(
        id=program.id,
        type=program.type,
        title=program.title,
        cost_points=program.costs_points,
        percent=program.percent,
        gift_name=program.gift_name,
        store_ids=list(program.scope.store_ids) if program.scope.store_ids is not None else None,
        excluded_store_ids=list(program.scope.excluded_store_ids),
        welcome=program.welcome,
        per_visit=program.per_visit,
        pro_only=program.pro_only,
        required_fields=list(program.required_fields),
        birthday=program.birthday,
        active=program.active,
        version=program.version,
        created_at=program.created_at,
        updated_at=program.updated_at,
    )


def card_out(card: FrequentBuyerCard) -> FrequentBuyerCardOut:
    return FrequentBuyerCardOut(
        id=card.id,
        title=card.title,
        buy_count=card.buy_count,
        sku=card.sku,
        category_id=card.category_id,
        store_ids=list(card.scope.store_ids) if card.scope.store_ids is not None else None,
        excluded_store_ids=list(card.scope.excluded_store_ids),
        active=card.active,
        version=card.version,
        created_at=card.created_at,
        updated_at=card.updated_at,
    )


def rule_out(rule: EarningRule, version: int) -> EarningRuleOut:
    return EarningRuleOut(
        points_per_unit=rule.points_per_unit,
        category_multipliers=dict(rule.category_multipliers),
        expiry_days=rule.expiry_days,
        version=version,
    )


def entry_out(entry: PointsEntry) -> LedgerEntryOut:
    return LedgerEntryOut(
        id=entry.id,
        type=entry.type,
        points=entry.points,
        at=entry.at,
        store_id=entry.store_id,
        purchase_id=entry.purchase_id,
        order_id=entry.order_id,
        reason=entry.reason,
        expires_on=entry.expires_on,
    )


def loyalty_out(
    customer: Customer,
    *,
    account: LoyaltyAccount,
    available: list[Available],
    cards: list[CardProgress],
    ledger: list[PointsEntry],
    cursor: str | None,
) -> LoyaltyOut:
    expiry = account.next_expiry()
    return LoyaltyOut(
        customer_id=customer.id,
        customer_number=customer.customer_number,
        points_balance=account.points,
        lifetime_earned=account.lifetime_earned,
        orders=account.orders,
        visits=account.visits,
        next_expiry=NextExpiryOut(date=expiry[0], points=expiry[1]) if expiry else None,
        rewards_available=[
            RewardAvailableOut(
                kind=a.kind,
                id=a.id,
                title=a.title,
                type=a.type,
                cost_points=a.cost_points,
                percent=a.percent,
                gift_name=a.gift_name,
                available=a.available,
                valid_until=a.valid_until,
                missing_fields=list(a.missing_fields),
            )
            for a in available
        ],
        frequent_buyer_cards=[
            FrequentBuyerProgressOut(
                card_id=p.card.id,
                title=p.card.title,
                buy_count=p.card.buy_count,
                progress=p.bought % p.card.buy_count,
                free_available=p.free_available,
                sku=p.card.sku,
                category_id=p.card.category_id,
            )
            for p in cards
        ],
        ledger=Page[LedgerEntryOut](items=[entry_out(e) for e in ledger], next_cursor=cursor),
    )


def customer_card_out(customer: Customer, qr_png: bytes, qr_svg: str, barcode_svg: str) -> CardOut:
    return CardOut(
        customer_id=customer.id,
        customer_number=customer.customer_number,
        qr_png_base64=base64.b64encode(qr_png).decode(),
        qr_svg=qr_svg,
        barcode_svg=barcode_svg,
    )


def transaction_out(tx: TillTransaction) -> TillTransactionOut:
    return TillTransactionOut(
        id=tx.id,
        type=tx.type,
        store_id=tx.store_id,
        local_day=tx.local_day,
        at=tx.at,
        associate_id=tx.associate_id,
        currency=tx.currency,
        customer_id=tx.customer_id,
        purchase_id=tx.purchase_id,
        total_minor=tx.total_minor,
        discount_minor=tx.discount_minor,
        gift_cards_minor=tx.gift_cards_minor,
        due_minor=tx.due_minor,
        points_earned=tx.points_earned,
        points_redeemed=tx.points_redeemed,
        rewards=list(tx.rewards),
        gift_cards=list(tx.gift_card_last4),
        note=tx.note,
    )


def gift_card_out(card: GiftCard, movements: list[Movement]) -> GiftCardOut:
    return GiftCardOut(
        card=card.number[-4:],
        kind=card.kind,
        currency=card.currency,
        initial_minor=card.initial_minor,
        balance_minor=card.balance_minor,
        expires_on=card.expires_on,
        locked=card.locked,
        movements=[
            MovementOut(
                id=m.id,
                type=m.type,
                amount_minor=m.amount_minor,
                at=m.at,
                store_id=m.store_id,
                purchase_id=m.purchase_id,
            )
            for m in movements
        ],
    )
