"""Commerce's providers for the handlers' `Depends`: its services, built from the shared resources and from
what other features' wiring provides. Each provider imports what it builds only when called (cold start).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from clienteling.directory.wiring import store_directory
from clienteling.kernel.config import get_settings
from clienteling.messaging.wiring import conversation_service
from clienteling.resources import clock, payment_links, table

if TYPE_CHECKING:
    from clienteling.adapters.email import SesEmail
    from clienteling.commerce.services.cart_expiry import CartExpirySweep
    from clienteling.commerce.services.cart_pages import CartPageService
    from clienteling.commerce.services.carts import CartService
    from clienteling.commerce.services.orders import OrderService
    from clienteling.commerce.services.payment_followups import PaymentFollowups
    from clienteling.commerce.services.payments import PaymentService


def cart_service() -> CartService:
    from clienteling.commerce.repositories.carts import CartRepository
    from clienteling.commerce.services.carts import CartService
    from clienteling.directory.repositories.catalog import CatalogRepository
    from clienteling.directory.repositories.customers import CustomerRepository

    return CartService(
        carts_repo=CartRepository(table()),
        catalog=CatalogRepository(table()),
        customers=CustomerRepository(table()),
        stores=store_directory(),
        conversations=conversation_service,
        payments=payment_links,
        clock=clock(),
        public_base_url=get_settings().public_base_url,
    )


def cart_page_service() -> CartPageService:
    from clienteling.commerce.repositories.carts import CartRepository
    from clienteling.commerce.services.cart_pages import CartPageService

    return CartPageService(CartRepository(table()), clock())


def payment_service() -> PaymentService:
    from clienteling.commerce.repositories.carts import CartRepository
    from clienteling.commerce.repositories.orders import OrderRepository
    from clienteling.commerce.services.payments import PaymentService
    from clienteling.messaging.repositories.conversations import ConversationRepository

    return PaymentService(
        carts_repo=CartRepository(table()),
        orders_repo=OrderRepository(table()),
        conversations=ConversationRepository(table()),
        clock=clock(),
    )


@functools.cache
def receipt_email() -> SesEmail:
    import boto3

    from clienteling.adapters.email import SesEmail

    settings = get_settings()
    return SesEmail(boto3.client("ses"), settings.receipt_email_sender or settings.email_sender)


def payment_followups() -> PaymentFollowups:
    from clienteling.commerce.repositories.orders import OrderRepository
    from clienteling.commerce.services.payment_followups import PaymentFollowups
    from clienteling.directory.repositories.associates import AssociateRepository
    from clienteling.directory.repositories.customers import CustomerRepository

    return PaymentFollowups(
        orders_repo=OrderRepository(table()),
        customers=CustomerRepository(table()),
        associates=AssociateRepository(table()),
        stores=store_directory(),
        conversations=conversation_service,
        email=receipt_email,
        clock=clock(),
    )


def order_service() -> OrderService:
    from clienteling.commerce.repositories.orders import OrderRepository
    from clienteling.commerce.services.orders import OrderService
    from clienteling.directory.repositories.customers import CustomerRepository

    return OrderService(OrderRepository(table()), CustomerRepository(table()))


def cart_expiry_sweep() -> CartExpirySweep:
    from clienteling.commerce.repositories.carts import CartRepository
    from clienteling.commerce.services.cart_expiry import CartExpirySweep

    return CartExpirySweep(CartRepository(table()), payment_links, clock())
