"""Every key string of the single table. Nothing else builds `PK`/`SK`/`GSIn` values.

See docs/data-model.md for the access patterns (AP-n) these keys serve.
"""

from __future__ import annotations

import zlib
from typing import Any

Key = dict[str, str]

UNIQUE = "UNIQUE"


def _key(pk: str, sk: str) -> Key:
    return {"PK": pk, "SK": sk}


# Stores
def store(store_id: str) -> Key:
    return _key(f"STORE#{store_id}", "STORE")


STORES_INDEX = "STORES"


def store_sort(name_folded: str, store_id: str) -> str:
    return f"{name_folded}#{store_id}"


def store_phone(e164: str) -> Key:
    return _key(f"STOREPHONE#{e164}", UNIQUE)


# Associates
def associate(associate_id: str) -> Key:
    return _key(f"ASSOC#{associate_id}", "ASSOC")


def associate_membership(associate_id: str, store_id: str) -> Key:
    return _key(f"ASSOC#{associate_id}", f"MEMBER#{store_id}")


def store_associates(store_id: str) -> str:
    return f"STORE#{store_id}#ASSOCIATES"


def associate_email(email: str) -> Key:
    return _key(f"ASSOCEMAIL#{email}", UNIQUE)


# Customers
def customer(customer_id: str) -> Key:
    return _key(f"CUST#{customer_id}", "PROFILE")


def customer_partition(customer_id: str) -> str:
    return f"CUST#{customer_id}"


def customer_unique(kind: str, value: str) -> Key:
    """Uniqueness markers: kind is PHONE, INTID or NUMBER."""
    return _key(f"CUST{kind}#{value}", UNIQUE)


def customer_index_entry(customer_id: str, kind: str, value: str) -> Key:
    return _key(f"CUST#{customer_id}", f"IDX#{kind}#{value}")


def customer_index_partition(kind: str, bucket: str) -> str:
    return f"CIDX#{kind}#{bucket}"


def store_customers(store_id: str) -> str:
    return f"STORE#{store_id}#CUSTOMERS"


def consent_event(customer_id: str, at_iso: str, event_id: str) -> Key:
    return _key(f"CUST#{customer_id}", f"CONSENT#{at_iso}#{event_id}")


CONSENT_EVENT_PREFIX = "CONSENT#"


def strip(item: dict[str, Any]) -> dict[str, Any]:
    """An item without its key and index attributes."""
    return {k: v for k, v in item.items() if k not in _KEY_ATTRIBUTES}


_KEY_ATTRIBUTES = frozenset({"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK", "entity"})


# The sweeps' due indexes are spread over a fixed number of GSI3 partitions (by a hash of the item's id), so a sweep
# makes the same few Queries whether the retailer has 3 stores or 3,000, and writes spread over 8 partitions.
DUE_SHARDS = 8


def due_shard(item_id: str) -> int:
    return zlib.crc32(item_id.encode()) % DUE_SHARDS


def archive_due(shard: int) -> str:
    """GSI3 partition of one shard of the conversations, sorted by when they are due to be archived."""
    return f"ARCHIVE#{shard}"


# Conversations and messages
def conversation(conversation_id: str) -> Key:
    return _key(f"CONV#{conversation_id}", "META")


def conversation_partition(conversation_id: str) -> str:
    return f"CONV#{conversation_id}"


MESSAGE_PREFIX = "MSG#"


def message(conversation_id: str, created_iso: str, message_id: str) -> Key:
    return _key(f"CONV#{conversation_id}", f"{MESSAGE_PREFIX}{created_iso}#{message_id}")


def thread(store_id: str, phone: str) -> Key:
    """Routing record of an SMS thread: the customer texting a store's number."""
    return _key(f"THREAD#{store_id}#{phone}", "THREAD")


CONVERSATION_LINK_PREFIX = "CONV#"


def customer_conversation(customer_id: str, store_id: str) -> Key:
    return _key(f"CUST#{customer_id}", f"{CONVERSATION_LINK_PREFIX}{store_id}")


def provider_message(sid: str) -> Key:
    return _key(f"PROVIDERMSG#{sid}", "MARKER")


def store_inbox(store_id: str, status: str) -> str:
    return f"STORE#{store_id}#INBOX#{status}"


def associate_inbox(associate_id: str, status: str) -> str:
    return f"ASSOC#{associate_id}#INBOX#{status}"


def activity_rank(at_iso: str, conversation_id: str) -> str:
    return f"{at_iso}#{conversation_id}"


def store_unread(store_id: str) -> Key:
    return _key(f"STORE#{store_id}", "UNREAD")


def associate_unread(associate_id: str, store_id: str) -> Key:
    return _key(f"ASSOC#{associate_id}", f"UNREAD#{store_id}")


# Events waiting for the stream publisher (transactional outbox)
def outbox(event_id: str) -> Key:
    return _key(f"OUTBOX#{event_id}", "EVENT")


def business_settings() -> Key:
    return _key("BUSINESS", "SETTINGS")


# Saved replies
def template(template_id: str) -> Key:
    return _key(f"TEMPLATE#{template_id}", "TEMPLATE")


def templates_index(store_id: str | None) -> str:
    return f"TEMPLATES#{store_id or '*'}"


# Catalog
def product(sku: str) -> Key:
    return _key(f"PRODUCT#{sku}", "PRODUCT")


def product_partition(sku: str) -> str:
    return f"PRODUCT#{sku}"


PRODUCT_NAME_PREFIX = "IDX#NAME#"


def product_name_entry(sku: str, token: str) -> Key:
    return _key(f"PRODUCT#{sku}", f"{PRODUCT_NAME_PREFIX}{token}")


def product_name_index(first_char: str) -> str:
    return f"PIDX#NAME#{first_char}"


def product_name_sort(token: str, sku: str) -> str:
    return f"{token}#{sku}"


def product_gtin(gtin: str) -> Key:
    """Uniqueness marker of a barcode, and the lookup by scan (holds the sku)."""
    return _key(f"PRODUCTGTIN#{gtin}", UNIQUE)


def category(category_id: str) -> Key:
    return _key(f"CATEGORY#{category_id}", "CATEGORY")


CATEGORIES_INDEX = "CATEGORIES"


# Remote carts, their public pages, payment references, orders
def cart(cart_id: str) -> Key:
    return _key(f"CART#{cart_id}", "CART")


def cart_expiry(shard: int) -> str:
    """GSI3 partition of one shard of the carts holding lines, by when they expire (their store's next midnight)."""
    return f"CARTEXPIRY#{shard}"


def cart_page(token: str) -> Key:
    return _key(f"CARTPAGE#{token}", "PAGE")


def payment_reference(reference: str) -> Key:
    return _key(f"PAYREF#{reference}", "PAYREF")


def payment_notification(psp_reference: str, event_code: str) -> Key:
    """Marker of an Adyen notification already handled (idempotency on pspReference + eventCode)."""
    return _key(f"ADYENNOTIF#{psp_reference}#{event_code}", "MARKER")


def payment_followup(key: str, step: str) -> Key:
    return _key(f"PAYFOLLOWUP#{key}#{step}", "MARKER")


def order(order_id: str) -> Key:
    return _key(f"ORDER#{order_id}", "ORDER")


ORDER_PREFIX = "ORDER#"


def customer_order(customer_id: str, created_iso: str, order_id: str) -> Key:
    return _key(f"CUST#{customer_id}", f"{ORDER_PREFIX}{created_iso}#{order_id}")


NOTIFICATION_PREFIX = "NOTIF#"


def notification(associate_id: str, at_iso: str, event_id: str) -> Key:
    return _key(f"ASSOC#{associate_id}", f"{NOTIFICATION_PREFIX}{at_iso}#{event_id}")


def associate_partition(associate_id: str) -> str:
    return f"ASSOC#{associate_id}"


def conversation_word_partition(store_id: str, word: str) -> str:
    return f"CWORD#{store_id}#{word[0]}"


def conversation_word(store_id: str, word: str, conversation_id: str) -> Key:
    """A word of a conversation's messages, for search (one item per word and conversation)."""
    return _key(conversation_word_partition(store_id, word), f"{word}#{conversation_id}")


SCHEDULED_PREFIX = "SCHED#"


def scheduled_message(conversation_id: str, scheduled_id: str) -> Key:
    return _key(f"CONV#{conversation_id}", f"{SCHEDULED_PREFIX}{scheduled_id}")


# Loyalty: everything about a customer's points stays under the customer's partition (erasure reachability)
def loyalty_account(customer_id: str) -> Key:
    """The customer's points balance, lots, visit and order counts, frequent-buyer progress."""
    return _key(f"CUST#{customer_id}", "LOYALTY")


POINTS_PREFIX = "PTS#"
PURCHASE_PREFIX = "PURCHASE#"
GRANT_PREFIX = "GRANT#"
POINTS_EXPIRY_INDEX = "PTSEXPIRY"  # GSI2: accounts by the date their oldest lot expires


def points_entry(customer_id: str, at_iso: str, entry_id: str) -> Key:
    return _key(f"CUST#{customer_id}", f"{POINTS_PREFIX}{at_iso}#{entry_id}")


def purchase(customer_id: str, at_iso: str, purchase_id: str) -> Key:
    return _key(f"CUST#{customer_id}", f"{PURCHASE_PREFIX}{at_iso}#{purchase_id}")


def reward_grant(customer_id: str, grant_id: str) -> Key:
    return _key(f"CUST#{customer_id}", f"{GRANT_PREFIX}{grant_id}")


def points_expiry_rank(expiry_iso_day: str, customer_id: str) -> str:
    return f"{expiry_iso_day}#{customer_id}"


def purchase_idempotency(store_id: str, idempotency_key: str) -> Key:
    return _key(f"PURCHASEKEY#{store_id}#{idempotency_key}", "MARKER")


def order_points(order_id: str) -> Key:
    """Marker: a paid remote-cart order already earned its points."""
    return _key(f"ORDERPOINTS#{order_id}", "MARKER")


def store_transactions(store_id: str, local_day: str) -> str:
    """A store's till transactions of one day in the store's time zone."""
    return f"STORETX#{store_id}#{local_day}"


def store_transactions_of_type(store_id: str, local_day: str, kind: str) -> str:
    return f"STORETX#{store_id}#{local_day}#{kind}"


def store_transaction(store_id: str, local_day: str, at_iso: str, transaction_id: str) -> Key:
    return _key(store_transactions(store_id, local_day), f"{at_iso}#{transaction_id}")


def reward_program(program_id: str) -> Key:
    return _key(f"REWARD#{program_id}", "REWARD")


REWARDS_INDEX = "REWARDS"


def frequent_buyer_card(card_id: str) -> Key:
    return _key(f"FBCARD#{card_id}", "FBCARD")


FREQUENT_BUYER_CARDS_INDEX = "FBCARDS"


def loyalty_settings() -> Key:
    return _key("BUSINESS", "LOYALTY")


def loyalty_activation(token: str) -> Key:
    return _key(f"ACTIVATION#{token}", "TOKEN")


# Gift cards: the card and every movement of its balance under one partition
def gift_card(number: str) -> Key:
    return _key(f"GIFTCARD#{number}", "CARD")


def gift_card_partition(number: str) -> str:
    return f"GIFTCARD#{number}"


GIFT_CARD_MOVEMENT_PREFIX = "MOVE#"


def gift_card_movement(number: str, at_iso: str, movement_id: str) -> Key:
    return _key(f"GIFTCARD#{number}", f"{GIFT_CARD_MOVEMENT_PREFIX}{at_iso}#{movement_id}")


# Segmentation tags: one membership item per (customer, tag), under the customer (erasure), indexed by tag
TAG_PREFIX = "TAG#"
TAG_COUNTERS = "TAGS"


def customer_tag(customer_id: str, tag: str) -> Key:
    return _key(f"CUST#{customer_id}", f"{TAG_PREFIX}{tag}")


def tag_index(tag: str) -> str:
    """GSI2 partition of a tag's customers, sorted by home store, then name."""
    return f"TAG#{tag}"


def tag_index_sort(store_id: str, sort_name: str, customer_id: str) -> str:
    return f"{store_id}#{sort_name}#{customer_id}"


def tag_index_store_prefix(store_id: str) -> str:
    return f"{store_id}#"


def tag_counter(tag: str, store_id: str) -> Key:
    """How many customers of a store carry a tag (one item per tag and store, all in one partition)."""
    return _key(TAG_COUNTERS, f"{tag}#{store_id}")


def store_customer_counter(store_id: str) -> Key:
    return _key(f"STORE#{store_id}", "CUSTOMERS")


# Campaigns
def campaign(campaign_id: str) -> Key:
    return _key(f"CAMPAIGN#{campaign_id}", "CAMPAIGN")


def campaigns_of_store(store_id: str | None) -> str:
    """GSI1 partition of one store's campaigns (`*`: the all-stores ones)."""
    return f"CAMPAIGNS#{store_id or '*'}"


CAMPAIGNS_INDEX = "CAMPAIGNS"  # GSI2: every campaign, newest first


def campaign_sort(created_iso: str, campaign_id: str) -> str:
    return f"{created_iso}#{campaign_id}"


def campaign_stats(campaign_id: str, shard: int) -> Key:
    """Counters of a campaign, spread over shards with their own partition keys so sends and status callbacks
    never make one partition hot."""
    return _key(f"CAMPSTATS#{campaign_id}#{shard}", "STATS")


CAMPAIGN_DELIVERY_PREFIX = "CAMPAIGN#"


def campaign_delivery(customer_id: str, campaign_id: str) -> Key:
    """What happened to one campaign for one customer: claims the send (idempotency) and carries attribution."""
    return _key(f"CUST#{customer_id}", f"{CAMPAIGN_DELIVERY_PREFIX}{campaign_id}")


def campaign_parked_partition(campaign_id: str) -> str:
    return f"CAMPPARK#{campaign_id}"


def campaign_parked(campaign_id: str, due_iso: str, chunk_id: str) -> Key:
    """A chunk of recipients held back by quiet hours until `due`."""
    return _key(campaign_parked_partition(campaign_id), f"{due_iso}#{chunk_id}")


# Messaging credits
def credit_balance(kind: str) -> Key:
    return _key(f"CREDITS#{kind}", "BALANCE")


def credit_log_partition(kind: str) -> str:
    return f"CREDITLOG#{kind}"


def credit_entry(kind: str, at_iso: str, entry_id: str) -> Key:
    return _key(credit_log_partition(kind), f"{at_iso}#{entry_id}")


# Sending rate of a sender (a store's number, or the email account)
def rate_limiter(sender: str) -> Key:
    return _key(f"RATE#{sender}", "RATE")


# Purchases: who bought a product or in a category, and when last
def purchase_index(kind: str, value: str) -> str:
    """kind is SKU or CAT."""
    return f"PURCHASE#{kind}#{value}"


def purchase_entry(kind: str, value: str, customer_id: str) -> Key:
    return _key(purchase_index(kind, value), f"CUST#{customer_id}")
