"""Gift cards in the single table: the card (balance, PIN hash, attempts) and its ledger of movements under
`PK=GIFTCARD#<number>`. Access patterns AP-G1..AP-G5 of docs/data-model.md."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from clienteling.kernel import keys, transactions
from clienteling.kernel.errors import AlreadyExists, DomainError
from clienteling.kernel.items import dt, to_int, when, without_none
from clienteling.loyalty.domain.gift_cards import MAX_PIN_ATTEMPTS, CardKind, GiftCard, Movement, MovementType

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class GiftCardRepository:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, number: str) -> GiftCard | None:
        """AP-G1: one card. 1 GetItem, strongly consistent."""
        item = self._table.get_item(Key=keys.gift_card(number), ConsistentRead=True).get("Item")
        return gift_card_from_item(item) if item else None

    def movements(self, number: str, *, limit: int = 50) -> list[Movement]:
        """AP-G2: a card's movements, newest first. 1 Query."""
        response = self._table.query(
            KeyConditionExpression=Key("PK").eq(keys.gift_card_partition(number))
            & Key("SK").begins_with(keys.GIFT_CARD_MOVEMENT_PREFIX),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [movement_from_item(i) for i in response["Items"]]

    def record_wrong_pin(self, number: str) -> int:
        """AP-G3: count a wrong PIN (outside any purchase: it must stick when the purchase is refused).
        1 UpdateItem; returns the failures so far."""
        response = self._table.update_item(
            Key=keys.gift_card(number),
            UpdateExpression="ADD pin_failures :one",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={":one": 1},
            ReturnValues="UPDATED_NEW",
        )
        return to_int(response.get("Attributes", {}).get("pin_failures"))

    def reset_pin_failures(self, number: str) -> None:
        """AP-G3: a right PIN clears earlier wrong tries (they count in a row), unless the card is locked.
        1 UpdateItem."""
        try:
            self._table.update_item(
                Key=keys.gift_card(number),
                UpdateExpression="SET pin_failures = :zero",
                ConditionExpression="pin_failures < :max",
                ExpressionAttributeValues={":zero": 0, ":max": MAX_PIN_ATTEMPTS},
            )
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            return

    def create_op(self, card: GiftCard) -> transactions.Op:
        """AP-G4: a sold card, once per number."""
        return transactions.put(
            self._table,
            gift_card_to_item(card),
            condition="attribute_not_exists(PK)",
            error=AlreadyExists("This gift card number is already in use.", details=[{"field": "number"}]),
        )

    def debit_op(self, card: GiftCard, amount_minor: int, *, error: DomainError) -> transactions.Op:
        """AP-G5: take from the balance; never below zero, never on a locked card. A right PIN was given, so
        earlier wrong tries are forgotten."""
        return transactions.update(
            self._table,
            keys.gift_card(card.number),
            "SET pin_failures = :zero ADD balance_minor :minus, version :one",
            values={":minus": -amount_minor, ":amount": amount_minor, ":one": 1, ":max": MAX_PIN_ATTEMPTS, ":zero": 0},
            condition="balance_minor >= :amount AND (attribute_not_exists(pin_failures) OR pin_failures < :max)",
            error=error,
        )

    def credit_op(self, card: GiftCard, amount_minor: int, *, error: DomainError) -> transactions.Op:
        """AP-G5: a refund back onto the card, never beyond what was taken from it."""
        return transactions.update(
            self._table,
            keys.gift_card(card.number),
            "ADD balance_minor :amount, version :one",
            values={":amount": amount_minor, ":one": 1, ":limit": card.initial_minor - amount_minor},
            condition="balance_minor <= :limit",
            error=error,
        )

    def movement_op(self, number: str, movement: Movement) -> transactions.Op:
        item = without_none(
            {
                **keys.gift_card_movement(number, when(movement.at), movement.id),
                "entity": "gift_card_movement",
                "id": movement.id,
                "type": movement.type.value,
                "amount_minor": movement.amount_minor,
                "at": when(movement.at),
                "store_id": movement.store_id,
                "purchase_id": movement.purchase_id,
                "associate_id": movement.associate_id,
            }
        )
        return transactions.put(self._table, item, condition="attribute_not_exists(PK)")


def gift_card_to_item(card: GiftCard) -> dict[str, Any]:
    return without_none(
        {
            **keys.gift_card(card.number),
            "entity": "gift_card",
            "number": card.number,
            "kind": card.kind.value,
            "currency": card.currency,
            "initial_minor": card.initial_minor,
            "balance_minor": card.balance_minor,
            "store_id": card.store_id,
            "created_at": when(card.created_at),
            "pin_hash": card.pin_hash,
            "pin_salt": card.pin_salt,
            "pin_failures": card.pin_failures,
            "expires_on": card.expires_on.isoformat() if card.expires_on else None,
            "recipient_name": card.recipient_name,
            "recipient_email": card.recipient_email,
            "recipient_phone": card.recipient_phone,
            "version": card.version,
        }
    )


def gift_card_from_item(item: dict[str, Any]) -> GiftCard:
    return GiftCard(
        number=str(item["number"]),
        kind=CardKind(str(item["kind"])),
        currency=str(item["currency"]),
        initial_minor=to_int(item["initial_minor"]),
        balance_minor=to_int(item["balance_minor"]),
        store_id=str(item["store_id"]),
        created_at=dt(item["created_at"]),
        pin_hash=item.get("pin_hash"),
        pin_salt=item.get("pin_salt"),
        pin_failures=to_int(item.get("pin_failures", 0)),
        expires_on=date.fromisoformat(str(item["expires_on"])) if item.get("expires_on") else None,
        recipient_name=item.get("recipient_name"),
        recipient_email=item.get("recipient_email"),
        recipient_phone=item.get("recipient_phone"),
        version=to_int(item.get("version", 1)),
    )


def movement_from_item(item: dict[str, Any]) -> Movement:
    return Movement(
        id=str(item["id"]),
        type=MovementType(str(item["type"])),
        amount_minor=to_int(item["amount_minor"]),
        at=dt(item["at"]),
        store_id=str(item["store_id"]),
        purchase_id=item.get("purchase_id"),
        associate_id=item.get("associate_id"),
    )
