"""Domain objects to response contracts, where the shapes differ."""

from __future__ import annotations

from collections.abc import Callable

from clienteling.contracts.conversations import ConversationOut, MediaOut, MessageOut
from clienteling.contracts.customers import ConsentEventOut, ConsentOut, CustomerOut, PetOut
from clienteling.domain.consent import BUSINESS_WIDE, ConsentEvent
from clienteling.domain.conversations import Conversation, Media, Message
from clienteling.domain.customers import Customer


def customer_out(customer: Customer) -> CustomerOut:
    return CustomerOut.model_validate(
        {
            "id": customer.id,
            "customer_number": customer.customer_number,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "home_store_id": customer.home_store_id,
            "internal_id": customer.internal_id,
            "phone_number": customer.phone_number,
            "email": customer.email,
            "address": customer.address,
            "birth_date": customer.birth_date,
            "gender": customer.gender,
            "pets": [PetOut.model_validate(p, from_attributes=True) for p in customer.pets],
            "custom_attributes": customer.attributes,
            "tags": list(customer.tags),
            "notes": customer.notes,
            "unidentified": customer.unidentified,
            "pro": customer.pro,
            "primary_associates": customer.primary_associates,
            "consents": [
                ConsentOut(
                    channel=s.channel,
                    purpose=s.purpose,
                    store_id=None if s.scope == BUSINESS_WIDE else s.scope,
                    status=s.status,
                    updated_at=s.updated_at,
                    method=s.method,
                )
                for s in sorted(customer.consents.values(), key=lambda s: s.key)
            ],
            "version": customer.version,
            "created_at": customer.created_at,
            "updated_at": customer.updated_at,
        },
        from_attributes=True,
    )


def consent_event_out(event: ConsentEvent) -> ConsentEventOut:
    return ConsentEventOut(
        id=event.id,
        at=event.at,
        channel=event.channel,
        purpose=event.purpose,
        store_id=None if event.scope == BUSINESS_WIDE else event.scope,
        previous=event.previous,
        status=event.status,
        method=event.method,
        wording=event.wording,
        wording_version=event.wording_version,
        associate_id=event.associate_id,
        message_id=event.message_id,
        note=event.note,
    )


def conversation_out(conversation: Conversation) -> ConversationOut:
    return ConversationOut(
        id=conversation.id,
        store_id=conversation.store_id,
        customer_id=conversation.customer_id,
        customer_name=conversation.customer_name,
        phone_number=conversation.phone_number,
        status=conversation.status,
        last_activity_at=conversation.last_activity_at,
        last_message_preview=conversation.last_message_preview,
        last_direction=conversation.last_direction,
        unread_count=conversation.unread_count,
        assignee_id=conversation.assignee_id,
        blocked=conversation.blocked,
        topics=list(conversation.topics),
        flags=list(conversation.flags),
        created_at=conversation.created_at,
    )


def message_out(message: Message, media_url: Callable[[Media], str | None]) -> MessageOut:
    return MessageOut(
        id=message.id,
        conversation_id=message.conversation_id,
        direction=message.direction,
        body=message.body,
        media=[MediaOut(content_type=m.content_type, state=m.state, url=media_url(m)) for m in message.media],
        status=message.status,
        error_code=message.error_code,
        associate_id=message.associate_id,
        encoding=message.encoding,
        segments=message.segments,
        flags=list(message.flags),
        created_at=message.created_at,
    )
