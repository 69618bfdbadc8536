"""Domain objects to response contracts, where the shapes differ."""

from __future__ import annotations

from clienteling.contracts.customers import ConsentEventOut, ConsentOut, CustomerOut, PetOut
from clienteling.domain.consent import BUSINESS_WIDE, ConsentEvent
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
