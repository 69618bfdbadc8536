"""Conversations API: messages, sending, opt-in requests, read markers, assignment and conversation work."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from clienteling.directory.contracts.associates import UploadOut
from clienteling.edge import Caller, current_caller, http_entrypoint, install_error_responses, to_json
from clienteling.kernel.wire import ERROR_RESPONSES, Id, Page
from clienteling.messaging.contracts.conversations import (
    Assignment,
    Blocking,
    ConversationOut,
    MediaUpload,
    MessageOut,
    Note,
    OptInRequest,
    OptOutResolution,
    ScheduledMessageOut,
    ScheduleMessage,
    SendMessage,
    StatusChange,
    Topics,
    Transfer,
    conversation_out,
    message_out,
)
from clienteling.messaging.domain.conversations import ScheduledMessage
from clienteling.messaging.services.conversation_work import ConversationWork
from clienteling.messaging.services.opt_in import OptInRequests
from clienteling.messaging.services.search import ConversationSearch
from clienteling.messaging.services.send_later import SendLater
from clienteling.messaging.services.sending import Outgoing, Sender
from clienteling.messaging.wiring import conversation_search, conversation_work, opt_in_requests, send_later, sender

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)

CallerDep = Annotated[Caller, Depends(current_caller)]
Conversations = Annotated[ConversationWork, Depends(conversation_work)]
Texts = Annotated[Sender, Depends(sender)]
OptIns = Annotated[OptInRequests, Depends(opt_in_requests)]
Later = Annotated[SendLater, Depends(send_later)]
Search = Annotated[ConversationSearch, Depends(conversation_search)]
ConversationId = Annotated[Id, Path(description="Conversation id")]
TAGS = ["Conversations"]


@app.get(
    "/v1/stores/<store_id>/conversations",
    tags=TAGS,
    responses=ERROR_RESPONSES,
    summary="Find a store's conversations (any status) by customer name, phone, email or a word written",
)
def search_conversations(
    store_id: Annotated[Id, Path()],
    caller: CallerDep,
    search: Search,
    q: Annotated[str, Query(min_length=2, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=50)] = 25,
) -> Page[ConversationOut]:
    return Page[ConversationOut](items=[conversation_out(c) for c in search.search(caller, store_id, q, limit=limit)])


@app.get("/v1/conversations/<conversation_id>", tags=TAGS, summary="One conversation", responses=ERROR_RESPONSES)
def get_conversation(
    conversation_id: ConversationId, caller: CallerDep, conversations: Conversations
) -> ConversationOut:
    return conversation_out(conversations.get(caller, conversation_id))


@app.get(
    "/v1/conversations/<conversation_id>/messages",
    tags=TAGS,
    responses=ERROR_RESPONSES,
    summary="Messages: the newest page first, oldest first within a page",
)
def list_messages(
    conversation_id: ConversationId,
    caller: CallerDep,
    conversations: Conversations,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
) -> Page[MessageOut]:
    page = conversations.messages(caller, conversation_id, limit=limit, cursor=cursor)
    return Page[MessageOut](
        items=[message_out(m, conversations.media_url) for m in page.items], next_cursor=page.cursor
    )


@app.post(
    "/v1/conversations/<conversation_id>/messages",
    tags=TAGS,
    responses=ERROR_RESPONSES,
    summary="Text the customer (needs their conversational consent)",
)
def send_message(
    conversation_id: ConversationId,
    body: Annotated[SendMessage, Body()],
    caller: CallerDep,
    texts: Texts,
) -> MessageOut:
    message = texts.send(
        caller,
        conversation_id,
        Outgoing(
            body=body.body,
            template_id=body.template_id,
            product_ids=tuple(body.product_ids),
            media_keys=tuple(body.media_keys),
        ),
    )
    return message_out(message, texts.media_url)


@app.post(
    "/v1/customers/<customer_id>/opt-in-request",
    tags=TAGS,
    responses=ERROR_RESPONSES,
    summary="Introduce yourself and ask the customer to reply YES",
)
def opt_in_request(
    customer_id: Annotated[Id, Path()],
    body: Annotated[OptInRequest, Body()],
    caller: CallerDep,
    opt_ins: OptIns,
    conversations: Conversations,
) -> MessageOut:
    return message_out(opt_ins.request(caller, customer_id, body.store_id, body.message), conversations.media_url)


@app.post(
    "/v1/conversations/<conversation_id>/read", tags=TAGS, summary="Mark everything read", responses=ERROR_RESPONSES
)
def mark_read(conversation_id: ConversationId, caller: CallerDep, conversations: Conversations) -> ConversationOut:
    return conversation_out(conversations.mark_read(caller, conversation_id))


@app.post(
    "/v1/conversations/<conversation_id>/assignment",
    tags=TAGS,
    responses=ERROR_RESPONSES,
    summary="Take it yourself, or (managers) assign or unassign",
)
def assign(
    conversation_id: ConversationId,
    body: Annotated[Assignment, Body()],
    caller: CallerDep,
    conversations: Conversations,
) -> ConversationOut:
    return conversation_out(conversations.assign(caller, conversation_id, body.associate_id))


@app.post(
    "/v1/conversations/<conversation_id>/transfer",
    tags=TAGS,
    responses=ERROR_RESPONSES,
    summary="Hand over to an available colleague with a note",
)
def transfer(
    conversation_id: ConversationId, body: Annotated[Transfer, Body()], caller: CallerDep, conversations: Conversations
) -> ConversationOut:
    return conversation_out(conversations.transfer(caller, conversation_id, body.associate_id, body.note))


@app.post("/v1/conversations/<conversation_id>/status", tags=TAGS, summary="Close or reopen", responses=ERROR_RESPONSES)
def change_status(
    conversation_id: ConversationId,
    body: Annotated[StatusChange, Body()],
    caller: CallerDep,
    conversations: Conversations,
) -> ConversationOut:
    return conversation_out(conversations.set_status(caller, conversation_id, body.status))


@app.put(
    "/v1/conversations/<conversation_id>/topics",
    tags=TAGS,
    summary="Set the conversation's topic tags",
    responses=ERROR_RESPONSES,
)
def set_topics(
    conversation_id: ConversationId, body: Annotated[Topics, Body()], caller: CallerDep, conversations: Conversations
) -> ConversationOut:
    return conversation_out(conversations.set_topics(caller, conversation_id, body.topics))


@app.post(
    "/v1/conversations/<conversation_id>/notes",
    tags=TAGS,
    summary="A staff-only note in the thread",
    responses=ERROR_RESPONSES,
)
def add_note(
    conversation_id: ConversationId, body: Annotated[Note, Body()], caller: CallerDep, conversations: Conversations
) -> MessageOut:
    return message_out(conversations.add_note(caller, conversation_id, body.text), conversations.media_url)


@app.post(
    "/v1/conversations/<conversation_id>/block",
    tags=TAGS,
    responses=ERROR_RESPONSES,
    summary="Block or unblock the customer in this store (messages kept, no notification, never told)",
)
def block(
    conversation_id: ConversationId, body: Annotated[Blocking, Body()], caller: CallerDep, conversations: Conversations
) -> ConversationOut:
    return conversation_out(conversations.set_blocked(caller, conversation_id, body.blocked))


@app.post(
    "/v1/conversations/<conversation_id>/opt-out-intent",
    tags=TAGS,
    responses=ERROR_RESPONSES,
    summary="Confirm or dismiss an opt-out the customer wrote in other words",
)
def resolve_opt_out(
    conversation_id: ConversationId,
    body: Annotated[OptOutResolution, Body()],
    caller: CallerDep,
    conversations: Conversations,
) -> ConversationOut:
    return conversation_out(conversations.resolve_opt_out_intent(caller, conversation_id, stop_chat=body.stop_chat))


def _scheduled_out(scheduled: ScheduledMessage) -> ScheduledMessageOut:
    return ScheduledMessageOut(
        id=scheduled.id,
        conversation_id=scheduled.conversation_id,
        associate_id=scheduled.associate_id,
        body=scheduled.body,
        media_count=len(scheduled.media),
        requested_for=scheduled.requested_for,
        scheduled_for=scheduled.scheduled_for,
        state=scheduled.state,
        message_id=scheduled.message_id,
        reason=scheduled.reason,
        created_at=scheduled.created_at,
    )


@app.post(
    "/v1/conversations/<conversation_id>/scheduled-messages",
    tags=TAGS,
    responses=ERROR_RESPONSES,
    summary="Send later: a text that goes out at a given time (quiet hours and consent apply then)",
)
def schedule_message(
    conversation_id: ConversationId,
    body: Annotated[ScheduleMessage, Body()],
    caller: CallerDep,
    later: Later,
) -> ScheduledMessageOut:
    outgoing = Outgoing(
        body=body.body,
        template_id=body.template_id,
        product_ids=tuple(body.product_ids),
        media_keys=tuple(body.media_keys),
    )
    return _scheduled_out(later.schedule(caller, conversation_id, outgoing, body.send_at))


@app.get(
    "/v1/conversations/<conversation_id>/scheduled-messages",
    tags=TAGS,
    responses=ERROR_RESPONSES,
    summary="The conversation's send-later messages, soonest first",
)
def list_scheduled(conversation_id: ConversationId, caller: CallerDep, later: Later) -> Page[ScheduledMessageOut]:
    return Page[ScheduledMessageOut](items=[_scheduled_out(s) for s in later.scheduled(caller, conversation_id)])


@app.delete(
    "/v1/conversations/<conversation_id>/scheduled-messages/<scheduled_id>",
    tags=TAGS,
    responses=ERROR_RESPONSES,
    summary="Cancel a send-later message that has not gone yet",
)
def cancel_scheduled(
    conversation_id: ConversationId,
    scheduled_id: Annotated[Id, Path()],
    caller: CallerDep,
    later: Later,
) -> ScheduledMessageOut:
    return _scheduled_out(later.cancel(caller, conversation_id, scheduled_id))


@app.post(
    "/v1/media/uploads", tags=TAGS, summary="A presigned URL to upload an image to send", responses=ERROR_RESPONSES
)
def media_upload(body: Annotated[MediaUpload, Body()], caller: CallerDep, conversations: Conversations) -> UploadOut:
    key, upload, expires_in = conversations.upload_slot(caller, body.content_type, body.size)
    return UploadOut(
        key=key,
        upload_url=upload.url,
        headers=upload.headers,
        expires_at=conversations.now() + timedelta(seconds=expires_in),
    )


lambda_handler = http_entrypoint(app)
