"""Inboxes: a store's conversations, my conversations, and unread totals for badges."""

from __future__ import annotations

from dataclasses import dataclass

from clienteling.kernel.access import Caller
from clienteling.kernel.pages import Page
from clienteling.messaging.domain.conversations import Conversation, ConversationStatus
from clienteling.messaging.repositories.conversations import ConversationRepository


@dataclass(frozen=True, slots=True)
class UnreadTotals:
    stores: dict[str, int]  # every unread message of each store the caller works in
    mine: dict[str, int]  # unread messages of conversations assigned to the caller, per store

    @property
    def total_mine(self) -> int:
        return sum(self.mine.values())


class InboxService:
    def __init__(self, conversations: ConversationRepository) -> None:
        self._conversations = conversations

    def store_inbox(
        self, caller: Caller, store_id: str, status: ConversationStatus, *, limit: int, cursor: str | None
    ) -> Page[Conversation]:
        caller.require_store(store_id)
        return self._conversations.store_inbox(store_id, status, limit=limit, cursor=cursor)

    def my_inbox(
        self, caller: Caller, status: ConversationStatus, *, limit: int, cursor: str | None
    ) -> Page[Conversation]:
        page = self._conversations.associate_inbox(caller.associate_id, status, limit=limit, cursor=cursor)
        # A conversation of a store the caller left stays out of sight.
        return Page([c for c in page.items if caller.can_access_store(c.store_id)], page.cursor)

    def unread(self, caller: Caller) -> UnreadTotals:
        stores, mine = self._conversations.unread(sorted(caller.store_ids), caller.associate_id)
        return UnreadTotals(stores=stores, mine=mine)
