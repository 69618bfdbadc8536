"""Inbound texting (messaging.services.inbound.InboundService.receive), in memory: who a text comes from, what it
means (a keyword, an opt-out in other words, a plain message), what is stored once, and what the customer is
answered. The same rules run end to end in tests/e2e/test_messaging.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from clienteling.directory.domain.stores import MessagingSettings
from clienteling.directory.events import ConsentChanged, CustomerCreated
from clienteling.directory.ports import (
    BusinessSettings,
    Channel,
    Customer,
    KeywordReplies,
    Method,
    Purpose,
    Status,
    Store,
    effective,
)
from clienteling.directory.services.consent import ConsentRecorder
from clienteling.messaging.domain.conversations import ConversationStatus, Direction, Message, conversation_id
from clienteling.messaging.events import MessageReceived
from clienteling.messaging.repositories.conversations import Thread
from clienteling.messaging.services.inbound import InboundService, InboundSms

from tests.fakes.clock import ManualClock
from tests.fakes.directory import FakeCustomers, FakeSettings, FakeStores
from tests.fakes.messaging import OPT_OUT_FLAG, FakeConversations
from tests.fakes.storage import InMemoryTransactions
from tests.fast.givens import PARIS_NUMBER, STRANGER_MOBILE, ZOE_MOBILE, paris, reply_of, zoe


@dataclass
class Texting:
    """A store's texting number and what lies behind it, in memory."""

    store: Store
    stores: FakeStores
    settings: FakeSettings
    customers: FakeCustomers
    conversations: FakeConversations
    transactions: InMemoryTransactions
    clock: ManualClock
    sent: int = 0

    @property
    def service(self) -> InboundService:
        return InboundService(
            conversations=self.conversations,
            customers=self.customers,
            consents=ConsentRecorder(self.customers),
            stores=self.stores,
            settings=self.settings,
            work=self.transactions.start,
            clock=self.clock,
        )

    def text(self, body: str, *, sender: str = ZOE_MOBILE, sid: str | None = None) -> str:
        """The customer's phone texts the store; Twilio's webhook delivers it. Returns the TwiML answer."""
        self.sent += 1
        self.clock.advance(timedelta(minutes=1))
        sms = InboundSms(sid or f"SM{self.sent:032d}", sender, PARIS_NUMBER, body)
        return self.service.receive(sms)

    def customer(self, phone: str = ZOE_MOBILE) -> Customer:
        customer_id = self.customers.id_by_phone(phone)
        assert customer_id is not None, "nobody has this number"
        return self.customers.require(customer_id)

    def messages(self, customer: Customer) -> list[Message]:
        return self.conversations.messages(conversation_id(self.store.id, customer.id), limit=50, cursor=None).items

    def chat(self, customer: Customer) -> Status:
        """The customer's SMS chat consent with the store, as the profile says now."""
        return self._consent(customer, Purpose.CONVERSATIONAL)

    def marketing(self, customer: Customer) -> Status:
        return self._consent(customer, Purpose.MARKETING)

    def _consent(self, customer: Customer, purpose: Purpose) -> Status:
        return effective(self.customers.require(customer.id).consents, Channel.SMS, purpose, self.store.id)


def _texting(clock: ManualClock, transactions: InMemoryTransactions, store: Store) -> Texting:
    customers = FakeCustomers()
    return Texting(
        store=store,
        stores=FakeStores(store),
        settings=FakeSettings(),
        customers=customers,
        conversations=FakeConversations(customers),
        transactions=transactions,
        clock=clock,
    )


@pytest.fixture
def texting(clock: ManualClock, transactions: InMemoryTransactions) -> Texting:
    """A Paris store (French) whose keywords Twilio answers itself (the default)."""
    return _texting(clock, transactions, paris(clock()))


@pytest.fixture
def zoe_chatting(texting: Texting) -> Customer:
    """Zoë, opted in to chat with the store in store, who has texted it before."""
    customer = texting.customers.add(zoe(texting.store, texting.clock() - timedelta(days=1)))
    texting.text("Bonjour !")
    return customer


def test_a_first_text_from_an_unknown_number_creates_an_unidentified_customer_and_a_conversation(
    texting: Texting,
) -> None:
    # Given nobody on file has this number
    assert texting.customers.id_by_phone(STRANGER_MOBILE) is None

    # When it texts the store
    answer = texting.text("Bonjour, vous avez du 38 ?", sender=STRANGER_MOBILE, sid="SM" + "3" * 32)

    # Then nothing is answered, and an unidentified customer holds the number, named after its last digits
    assert reply_of(answer) is None
    customer = texting.customer(STRANGER_MOBILE)
    assert (customer.unidentified, customer.home_store_id, customer.first_name, customer.last_name) == (
        True,
        texting.store.id,
        "Unknown",
        STRANGER_MOBILE[-4:],
    )
    # And the conversation is open at the top of the store's inbox, one unread text, found by the customer's name
    conversation = texting.conversations.get(conversation_id(texting.store.id, customer.id))
    assert conversation is not None
    assert (conversation.status, conversation.unread_count, conversation.last_message_preview) == (
        ConversationStatus.OPEN,
        1,
        "Bonjour, vous avez du 38 ?",
    )
    assert [(m.direction, m.body) for m in texting.messages(customer)] == [
        (Direction.INBOUND, "Bonjour, vous avez du 38 ?")
    ]
    assert texting.conversations.unread([texting.store.id], "nobody")[0] == {texting.store.id: 1}
    assert texting.conversations.search_words(texting.store.id, "unknown", limit=5) == [conversation.id]
    thread = texting.conversations.thread(texting.store.id, STRANGER_MOBILE)
    assert thread is not None
    assert (thread.customer_id, thread.conversation_id) == (customer.id, conversation.id)
    # And the customer's creation and the text are published, in that order
    created, received = texting.transactions.events
    assert isinstance(created, CustomerCreated)
    assert (created.customer_id, created.home_store_id, created.unidentified) == (customer.id, texting.store.id, True)
    assert isinstance(received, MessageReceived)
    assert (received.conversation_id, received.customer_id, received.provider_sid, received.blocked) == (
        conversation.id,
        customer.id,
        "SM" + "3" * 32,
        False,
    )


def test_stop_records_the_opt_out_with_its_proof_and_leaves_the_answer_to_twilio(
    texting: Texting, zoe_chatting: Customer
) -> None:
    # Given Zoë, opted in to chat, who texted before (the store leaves STOP's answer to Twilio: the default)
    assert texting.chat(zoe_chatting) == Status.OPTED_IN

    # When she texts STOP
    answer = texting.text("STOP")

    # Then the product does not answer a second time, and she opted out of chat and marketing texts of the store
    assert reply_of(answer) is None
    assert (texting.chat(zoe_chatting), texting.marketing(zoe_chatting)) == (Status.OPTED_OUT, Status.OPTED_OUT)
    # And the audit trail holds both decisions, pointing at the text that made them
    stop = texting.messages(zoe_chatting)[-1]
    assert stop.body == "STOP"
    trail = texting.customers.consent_events(zoe_chatting.id, limit=10, cursor=None).items
    assert {(e.purpose, e.previous, e.status, e.method, e.message_id) for e in trail} == {
        (Purpose.CONVERSATIONAL, Status.OPTED_IN, Status.OPTED_OUT, Method.SMS_KEYWORD, stop.id),
        (Purpose.MARKETING, Status.NOT_ASKED, Status.OPTED_OUT, Method.SMS_KEYWORD, stop.id),
    }
    # And ConsentChanged is published for each, scoped to this store (the business's opt-out scope)
    changes = texting.transactions.published(ConsentChanged)
    assert {(c.purpose, c.status, c.method, c.store_id) for c in changes} == {
        ("conversational", "opted_out", "sms_keyword", texting.store.id),
        ("marketing", "opted_out", "sms_keyword", texting.store.id),
    }
    # And the SMS thread, which routes the next texts, knows it; the conversation is archived two days later
    thread = texting.conversations.thread(texting.store.id, ZOE_MOBILE)
    assert thread is not None
    assert (thread.sms_conversational, thread.sms_marketing) == (Status.OPTED_OUT, Status.OPTED_OUT)
    settings = BusinessSettings()
    conversation_key = conversation_id(texting.store.id, zoe_chatting.id)
    assert texting.conversations.archive_at[conversation_key] == texting.clock() + timedelta(
        days=settings.archive_after_opt_out_days
    )


@pytest.mark.parametrize(
    ("locale", "replies", "brand", "body", "expected"),
    [
        pytest.param("fr-FR", KeywordReplies.PROVIDER, None, "Arrête", "Vous ne recevrez plus de messages de Maison "
                     "Rivoli.", id="fr-ARRETE-not-a-twilio-keyword"),
        pytest.param("fr-FR", KeywordReplies.PROVIDER, None, "STOP", None, id="fr-STOP-answered-by-twilio"),
        pytest.param("fr-FR", KeywordReplies.PRODUCT, "Lune & Fils", "STOP", "Vous ne recevrez plus de messages de "
                     "Lune & Fils.", id="fr-STOP-answered-by-the-product-with-the-brand"),
        pytest.param("en-US", KeywordReplies.PRODUCT, None, "stop", "You will receive no more messages from Maison "
                     "Rivoli.", id="en-stop-answered-by-the-product"),
        pytest.param("de-DE", KeywordReplies.PROVIDER, None, "Stopp", "Sie erhalten keine Nachrichten mehr von Maison "
                     "Rivoli.", id="de-STOPP-not-a-twilio-keyword"),
    ],
)  # fmt: skip
def test_an_opt_out_keyword_is_answered_in_the_stores_language_unless_twilio_answers_it(
    *,
    clock: ManualClock,
    transactions: InMemoryTransactions,
    locale: str,
    replies: KeywordReplies,
    brand: str | None,
    body: str,
    expected: str | None,
) -> None:
    # Given a store speaking `locale`, which answers keywords itself or leaves Twilio's own to Twilio
    texting = _texting(clock, transactions, paris(clock(), locale=locale, messaging=MessagingSettings(replies)))
    texting.settings.current = BusinessSettings(brand_name=brand)
    customer = texting.customers.add(zoe(texting.store, clock() - timedelta(days=1)))

    # When Zoë texts an opt-out keyword
    answer = texting.text(body)

    # Then she is opted out whoever answers
    assert texting.chat(customer) == Status.OPTED_OUT
    # And the answer is the confirmation in the store's language, or nothing when Twilio sends its own
    reply = reply_of(answer)
    if expected is None:
        assert reply is None
    else:
        assert reply is not None
        assert reply.startswith(expected)
    # And what the customer was told shows in the thread for the associates
    told = [m.body for m in texting.messages(customer) if m.direction == Direction.SYSTEM]
    assert told == ([reply] if reply else [])


def test_oui_after_an_opt_in_request_opts_in_and_is_confirmed(texting: Texting) -> None:
    # Given Zoë was asked to opt in by the store (her consent pending, her thread waiting for the answer)
    asked_at = texting.clock() - timedelta(hours=2)
    customer = texting.customers.add(zoe(texting.store, asked_at, chat=Status.PENDING))
    texting.conversations.add_thread(
        Thread(
            store_id=texting.store.id,
            phone=ZOE_MOBILE,
            customer_id=customer.id,
            conversation_id=conversation_id(texting.store.id, customer.id),
            opt_in_pending=True,
            sms_conversational=Status.PENDING,
        )
    )

    # When she answers "Oui"
    answer = texting.text("Oui")

    # Then she opted in to chat with the store, by keyword, and the thread stops waiting
    assert texting.chat(customer) == Status.OPTED_IN
    (change,) = texting.transactions.published(ConsentChanged)
    assert (change.purpose, change.previous, change.status, change.method) == (
        "conversational",
        "pending",
        "opted_in",
        "sms_keyword",
    )
    thread = texting.conversations.thread(texting.store.id, ZOE_MOBILE)
    assert thread is not None
    assert (thread.opt_in_pending, thread.sms_conversational) == (False, Status.OPTED_IN)
    # And the product confirms in French (OUI is not one of Twilio's keywords)
    reply = reply_of(answer)
    assert reply is not None
    assert reply.startswith("Maison Rivoli : vous pouvez désormais échanger par SMS avec nous.")


def test_oui_in_a_conversation_is_just_an_answer(texting: Texting, zoe_chatting: Customer) -> None:
    # Given Zoë chats with the store (opted in; nothing asked of her)
    published = len(texting.transactions.events)

    # When she answers an associate's question with "Oui"
    answer = texting.text("Oui")

    # Then it is a message like any other: no consent decision, no automatic answer
    assert reply_of(answer) is None
    assert texting.messages(zoe_chatting)[-1].body == "Oui"
    assert [type(e) for e in texting.transactions.events[published:]] == [MessageReceived]
    assert texting.customers.consent_events(zoe_chatting.id, limit=10, cursor=None).items == []


def test_a_redelivered_text_is_stored_once_and_answered_the_same(texting: Texting) -> None:
    # Given a stranger's first text, a keyword the product answers, stored with its MessageSid
    first = texting.text("Arrête", sender=STRANGER_MOBILE, sid="SM" + "7" * 32)
    commits, events = texting.transactions.commits, list(texting.transactions.events)

    # When Twilio delivers the same MessageSid again (it retries when it did not get our answer in time)
    again = [texting.text("Arrête", sender=STRANGER_MOBILE, sid="SM" + "7" * 32) for _ in range(3)]

    # Then each delivery gets the first answer, and nothing was written or published again
    assert reply_of(first) is not None
    assert again == [first] * 3
    assert (texting.transactions.commits, texting.transactions.events) == (commits, events)
    customer = texting.customer(STRANGER_MOBILE)
    assert [(m.direction, m.body) for m in texting.messages(customer)] == [
        (Direction.INBOUND, "Arrête"),
        (Direction.SYSTEM, reply_of(first)),
    ]
    conversation = texting.conversations.get(conversation_id(texting.store.id, customer.id))
    assert conversation is not None
    assert conversation.unread_count == 1


def test_a_blocked_customers_text_is_kept_but_not_counted_unread(texting: Texting, zoe_chatting: Customer) -> None:
    # Given the store blocked Zoë after her first text
    conversation_key = conversation_id(texting.store.id, zoe_chatting.id)
    texting.conversations.block(conversation_key)
    before = texting.conversations.get(conversation_key)
    assert before is not None
    store_unread = texting.conversations.unread([texting.store.id], "nobody")[0]

    # When she texts again
    answer = texting.text("Vous m'entendez ?")

    # Then the text is kept, unanswered, and counts nowhere as unread
    assert reply_of(answer) is None
    assert texting.messages(zoe_chatting)[-1].body == "Vous m'entendez ?"
    after = texting.conversations.get(conversation_key)
    assert after is not None
    assert after.unread_count == before.unread_count
    assert texting.conversations.unread([texting.store.id], "nobody")[0] == store_unread
    # And what is published says it is blocked (nobody is notified of it)
    assert texting.transactions.published(MessageReceived)[-1].blocked is True


@pytest.mark.parametrize(
    ("body", "marketing"),
    [
        pytest.param("Merci d'arrêter de m'envoyer des messages", Status.OPTED_OUT, id="clear-stops-marketing"),
        pytest.param("cancel please", Status.NOT_ASKED, id="probable-only-flags"),
    ],
)
def test_an_opt_out_in_other_words_flags_the_conversation_for_the_associate(
    texting: Texting, zoe_chatting: Customer, body: str, marketing: Status
) -> None:
    # Given Zoë chats with the store
    # When she asks to stop in her own words
    answer = texting.text(body)

    # Then the conversation and the text are flagged for an associate to confirm, and nothing is answered
    assert reply_of(answer) is None
    conversation = texting.conversations.get(conversation_id(texting.store.id, zoe_chatting.id))
    assert conversation is not None
    assert conversation.flags == (OPT_OUT_FLAG,)
    assert texting.messages(zoe_chatting)[-1].flags == (OPT_OUT_FLAG,)
    assert texting.transactions.published(MessageReceived)[-1].opt_out_intent is True
    # And a clear request stops marketing texts at once (by intent); the chat goes on until the associate confirms
    assert (texting.chat(zoe_chatting), texting.marketing(zoe_chatting)) == (Status.OPTED_IN, marketing)
    methods = [e.method for e in texting.customers.consent_events(zoe_chatting.id, limit=10, cursor=None).items]
    assert methods == ([Method.SMS_INTENT] if marketing == Status.OPTED_OUT else [])


def test_a_text_to_a_number_no_store_uses_is_dropped(texting: Texting) -> None:
    # Given a number of the account that no store texts from
    unused = InboundSms("SM" + "9" * 32, STRANGER_MOBILE, "+33142999999", "Bonjour")
    assert texting.stores.by_phone(unused.to_phone) is None

    # When a text arrives on it
    answer = texting.service.receive(unused)

    # Then it is answered with nothing and nothing is stored
    assert reply_of(answer) is None
    assert (texting.transactions.commits, texting.customers.id_by_phone(STRANGER_MOBILE)) == (0, None)
