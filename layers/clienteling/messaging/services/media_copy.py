"""Inbound MMS media: copied from the provider (authenticated fetch) into the private bucket, so the app only
ever shows our own short-lived links, never the provider's URLs."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable

from clienteling.kernel.observability import logger
from clienteling.kernel.providers import MediaStorage, SmsError, SmsSender
from clienteling.kernel.unit_of_work import StartWork
from clienteling.messaging.domain.conversations import Media, MediaState
from clienteling.messaging.events import MessageReceived
from clienteling.messaging.repositories.conversations import ConversationRepository


class MediaCopier:
    def __init__(
        self,
        conversations: ConversationRepository,
        media: MediaStorage,
        sms: Callable[[], SmsSender],
        work: StartWork,
    ) -> None:
        self._conversations = conversations
        self._media = media
        self._sms = sms
        self._work = work

    def copy(self, received: MessageReceived) -> int:
        """Copy every media of the message; idempotent (same keys), so a redelivered event is harmless."""
        marker = self._conversations.provider_marker(received.provider_sid)
        urls = [str(u) for u in (marker or {}).get("media_urls") or []]
        if not marker or not urls:
            return 0
        message = self._conversations.message(received.conversation_id, str(marker["message_sk"]))
        if message is None:
            logger.warning("media of an unknown message", extra={"message_id": received.message_id})
            return 0
        copied: list[Media] = []
        for index, url in enumerate(urls):
            try:
                body, content_type = self._sms().fetch_media(url)
            except SmsError as error:
                if error.retryable:
                    raise  # EventBridge retries the whole event
                logger.warning("media could not be fetched", extra={"message_id": message.id, "code": error.code})
                copied.append(Media(content_type=message.media[index].content_type, state=MediaState.FAILED))
                continue
            extension = mimetypes.guess_extension(content_type) or ".bin"
            key = f"conversations/{message.conversation_id}/{message.id}/{index}{extension}"
            self._media.put(key, body, content_type=content_type)
            copied.append(Media(content_type=content_type, state=MediaState.STORED, key=key, size=len(body)))
        with self._work() as work:
            work.add(self._conversations.media_update_op(message, tuple(copied)))
        logger.info("media copied", extra={"message_id": message.id, "count": len(copied)})
        return len(copied)
