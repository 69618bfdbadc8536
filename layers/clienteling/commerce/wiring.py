"""Commerce's providers for the handlers' `Depends`: its services, built from the shared resources and from
what other features' wiring provides. Each provider imports what it builds only when called (cold start).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from clienteling.directory.wiring import associates, customer_records, products, store_directory
from clienteling.kernel.config import get_settings
from clienteling.messaging.wiring import conversations, sender
from clienteling.resources import clock, payment_links, table, unit_of_work

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

    return CartService(
        carts_repo=CartRepository(table()),
        catalog=products(),
        customers=customer_records(),
        stores=store_directory(),
        texts=sender,
        payments=payment_links,
        work=unit_of_work,
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

    return PaymentService(
        carts_repo=CartRepository(table()),
        orders_repo=OrderRepository(table()),
        conversations=conversations(),
        work=unit_of_work,
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

    return PaymentFollowups(
        orders_repo=OrderRepository(table()),
        customers=customer_records(),
        associates=associates(),
        stores=store_directory(),
        texts=sender,
        email=receipt_email,
        clock=clock(),
    )


def order_service() -> OrderService:
    from clienteling.commerce.repositories.orders import OrderRepository
    from clienteling.commerce.services.orders import OrderService

    return OrderService(OrderRepository(table()), customer_records())


def cart_expiry_sweep() -> CartExpirySweep:
    from clienteling.commerce.repositories.carts import CartRepository
    from clienteling.commerce.services.cart_expiry import CartExpirySweep

    return CartExpirySweep(CartRepository(table()), payment_links, unit_of_work, clock())
