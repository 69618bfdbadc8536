"""Loyalty domain objects to response contracts."""

from __future__ import annotations

import base64

from clienteling.directory.ports import Customer
from clienteling.kernel.wire import Page
from clienteling.loyalty.contracts.loyalty import (
    CardOut,
    FrequentBuyerProgressOut,
    LedgerEntryOut,
    LoyaltyOut,
    NextExpiryOut,
    RewardAvailableOut,
    TillTransactionOut,
)
from clienteling.loyalty.domain.loyalty import Available, CardProgress, LoyaltyAccount, PointsEntry, TillTransaction


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
