"""Finding a store's conversations, open or not: by the customer's name, phone or email, or by a word written."""

from __future__ import annotations

from clienteling.directory.ports import CustomerRecords, StoreLookup
from clienteling.kernel.access import Caller
from clienteling.kernel.errors import NotFound
from clienteling.kernel.phone import InvalidPhoneNumber, to_e164
from clienteling.kernel.search_text import query_terms
from clienteling.messaging.domain.conversations import MIN_WORD_LENGTH, Conversation, conversation_id
from clienteling.messaging.repositories.conversations import ConversationRepository


class ConversationSearch:
    def __init__(
        self, *, conversations: ConversationRepository, customers: CustomerRecords, stores: StoreLookup
    ) -> None:
        self._conversations = conversations
        self._customers = customers
        self._stores = stores

    def search(self, caller: Caller, store_id: str, text: str, *, limit: int = 25) -> list[Conversation]:
        """AP-M13: conversations of a store by the customer's name, phone or email, or a word written."""
        caller.require_store(store_id)
        store = self._stores.get(store_id)
        if store is None:
            raise NotFound("No such store.")
        query = text.strip()
        if "@" in query:
            customers = self._customers.find_exact("EMAIL", query.lower(), limit=limit, cursor=None).items
        elif sum(c.isdigit() for c in query) >= 6:
            try:
                phone = to_e164(query, store.country)
            except InvalidPhoneNumber:
                return []
            customers = self._customers.find_exact("PHONE", phone, limit=limit, cursor=None).items
        else:
            customers = self._customers.search_names(query, limit=limit, cursor=None).items
        ids = [conversation_id(store_id, c.id) for c in customers]
        terms = [t for t in query_terms(query) if len(t) >= MIN_WORD_LENGTH]
        if terms and "@" not in query:
            ids += self._conversations.search_words(store_id, max(terms, key=len), limit=limit)
        found = self._conversations.get_many(list(dict.fromkeys(ids))[: limit * 2])
        return sorted((c for c in found if c.store_id == store_id), key=lambda c: c.last_activity_at, reverse=True)[
            :limit
        ]
