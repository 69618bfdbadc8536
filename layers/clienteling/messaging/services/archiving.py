"""The archiving sweep: conversations nobody touched for their grace period leave the open inboxes.

It reads only what is due (the sparse GSI3 index, in a few shards), archives each conversation if it is still due as
read (a text arriving meanwhile wins), and is idempotent and resumable: an archived conversation leaves the
index, so a rerun continues where a failed one stopped.
"""

from __future__ import annotations

from clienteling.kernel.clock import Clock
from clienteling.kernel.sweeps import PAGE, SweepReport, sweep
from clienteling.kernel.unit_of_work import StartWork
from clienteling.messaging.domain.conversations import Conversation, ConversationStatus
from clienteling.messaging.events import ConversationStatusChanged
from clienteling.messaging.repositories.conversations import ConversationRepository


class ArchiveSweep:
    def __init__(self, conversations: ConversationRepository, work: StartWork, clock: Clock) -> None:
        self._conversations = conversations
        self._work = work
        self._clock = clock

    def run(self) -> SweepReport:
        now = self._clock()
        return sweep(
            lambda shard, cursor: self._conversations.due_for_archiving(shard, now, limit=PAGE, cursor=cursor),
            self._archive,
            lambda due: due.id,
            name="archiving sweep",
        )

    def _archive(self, due: Conversation) -> None:
        now = self._clock()
        with self._work() as work:
            work.add(self._conversations.archive_op(due, due.extra["due_rank"]))
            work.emit(
                ConversationStatusChanged(
                    conversation_id=due.id,
                    store_id=due.store_id,
                    status=ConversationStatus.ARCHIVED.value,
                    previous=due.status.value,
                    by_associate_id=None,
                    occurred_at=now,
                )
            )
