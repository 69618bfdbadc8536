"""Inbox API: a store's conversations, my conversations, and unread totals for badges."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from clienteling.edge import Caller, current_caller, http_entrypoint, install_error_responses, to_json
from clienteling.kernel.wire import ERROR_RESPONSES, Id, Page
from clienteling.messaging.contracts.conversations import (
    ConversationOut,
    NotificationOut,
    UnreadCount,
    UnreadOut,
    conversation_out,
)
from clienteling.messaging.domain.conversations import ConversationStatus
from clienteling.messaging.services.inbox import InboxService
from clienteling.messaging.services.notifications import NotificationService
from clienteling.messaging.wiring import inbox_service, notification_service

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)

CallerDep = Annotated[Caller, Depends(current_caller)]
Inbox = Annotated[InboxService, Depends(inbox_service)]
Notifications = Annotated[NotificationService, Depends(notification_service)]

Cursor = Annotated[str | None, Query(max_length=1024)]
Limit = Annotated[int, Query(ge=1, le=100)]
Status = Annotated[ConversationStatus, Query(description="open (default), closed or archived")]
TAGS = ["Inbox"]


@app.get(
    "/v1/stores/<store_id>/inbox",
    tags=TAGS,
    summary="The store's conversations, latest activity first",
    responses=ERROR_RESPONSES,
)
def store_inbox(
    store_id: Annotated[Id, Path()],
    caller: CallerDep,
    inbox: Inbox,
    status: Status = ConversationStatus.OPEN,
    cursor: Cursor = None,
    limit: Limit = 25,
) -> Page[ConversationOut]:
    page = inbox.store_inbox(caller, store_id, status, limit=limit, cursor=cursor)
    return Page[ConversationOut](items=[conversation_out(c) for c in page.items], next_cursor=page.cursor)


@app.get(
    "/v1/inbox", tags=TAGS, summary="Conversations assigned to you, latest activity first", responses=ERROR_RESPONSES
)
def my_inbox(
    caller: CallerDep, inbox: Inbox, status: Status = ConversationStatus.OPEN, cursor: Cursor = None, limit: Limit = 25
) -> Page[ConversationOut]:
    page = inbox.my_inbox(caller, status, limit=limit, cursor=cursor)
    return Page[ConversationOut](items=[conversation_out(c) for c in page.items], next_cursor=page.cursor)


@app.get(
    "/v1/inbox/unread", tags=TAGS, summary="Unread messages for badges: per store, and yours", responses=ERROR_RESPONSES
)
def unread(caller: CallerDep, inbox: Inbox) -> UnreadOut:
    totals = inbox.unread(caller)
    return UnreadOut(
        stores=[UnreadCount(store_id=s, unread=n) for s, n in sorted(totals.stores.items())],
        mine=[UnreadCount(store_id=s, unread=n) for s, n in sorted(totals.mine.items())],
        total_mine=totals.total_mine,
    )


@app.get("/v1/notifications", tags=TAGS, summary="Your notifications, newest first", responses=ERROR_RESPONSES)
def my_notifications(
    caller: CallerDep, notifications: Notifications, cursor: Cursor = None, limit: Limit = 25
) -> Page[NotificationOut]:
    page = notifications.list_mine(caller, limit=limit, cursor=cursor)
    return Page[NotificationOut](
        items=[NotificationOut.model_validate(n, from_attributes=True) for n in page.items], next_cursor=page.cursor
    )


lambda_handler = http_entrypoint(app)
