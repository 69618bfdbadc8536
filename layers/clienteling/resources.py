"""What every feature's wiring builds on: the table, the clock and sleep seams, and the provider adapters (AWS clients,
Twilio, Adyen), created lazily and cached per warm function.

Nothing here runs at import, and each provider imports what it builds only when called: a function pays at cold
start for what it uses. Endpoints are never in code: locally the AWS_ENDPOINT_URL_<SERVICE> environment variables
point every SDK client at the local stack.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from clienteling.kernel.clock import Clock, system_clock
from clienteling.kernel.config import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

    from clienteling.adapters.email import SesEmail
    from clienteling.adapters.identity import CognitoDirectory
    from clienteling.adapters.media import MediaStore
    from clienteling.adapters.payments import AdyenPaymentLinks
    from clienteling.adapters.sms import TwilioSms
    from clienteling.kernel.publisher import OutboxPublisher
    from clienteling.kernel.unit_of_work import UnitOfWork


Sleep = Callable[[float], None]


_sleep_override: Sleep | None = None


@functools.cache
def table() -> Table:
    import boto3
    from botocore.config import Config

    # DynamoDB validates every request itself; skipping the SDK's own pass saves ~0.5 ms of CPU per call.
    return boto3.resource("dynamodb", config=Config(parameter_validation=False)).Table(get_settings().table_name)


def unit_of_work() -> UnitOfWork:
    """A new unit of work on the table, for one use case's writes (services receive this function)."""
    from clienteling.kernel.unit_of_work import UnitOfWork

    return UnitOfWork(table())


_clock_override: Clock | None = None


def set_clock(clock: Clock | None) -> None:
    """Let the local runtime's controllable clock be everyone's time; None restores the system clock."""
    global _clock_override  # noqa: PLW0603 - the one seam the local runtime sets; never set in AWS
    _clock_override = clock


def clock() -> Clock:
    return _clock_override or system_clock


@functools.cache
def media_store() -> MediaStore:
    import boto3
    from botocore.config import Config

    from clienteling.adapters.media import MediaStore

    # SigV4 presigned URLs: the only kind S3 accepts in every region.
    return MediaStore(boto3.client("s3", config=Config(signature_version="s3v4")), get_settings().media_bucket)


@functools.cache
def identity_directory() -> CognitoDirectory:
    import boto3

    from clienteling.adapters.identity import CognitoDirectory

    return CognitoDirectory(boto3.client("cognito-idp"), get_settings().user_pool_id)


@functools.cache
def sms_sender() -> TwilioSms:
    from clienteling.adapters.secrets import provider_secret
    from clienteling.adapters.sms import TwilioSms

    settings = get_settings()
    return TwilioSms(
        settings.twilio_account_sid, provider_secret("twilio_auth_token"), api_base_url=settings.twilio_api_base_url
    )


@functools.cache
def outbox_publisher() -> OutboxPublisher:
    import boto3

    from clienteling.adapters.event_bus import EventBridgeBus
    from clienteling.kernel.publisher import OutboxPublisher

    return OutboxPublisher(EventBridgeBus(boto3.client("events"), get_settings().event_bus_name))


@functools.cache
def email_sender() -> SesEmail:
    import boto3

    from clienteling.adapters.email import SesEmail

    return SesEmail(boto3.client("ses"), get_settings().email_sender)


@functools.cache
def payment_links() -> AdyenPaymentLinks:
    from clienteling.adapters.payments import AdyenPaymentLinks
    from clienteling.adapters.secrets import provider_secret

    settings = get_settings()
    return AdyenPaymentLinks(
        provider_secret("adyen_api_key"),
        settings.adyen_merchant_account,
        settings.adyen_environment,
        settings.adyen_checkout_url,
        live_endpoint_prefix=settings.adyen_live_endpoint_prefix,
    )


def set_sleep(sleep: Sleep | None) -> None:
    """Let the local runtime decide what waiting means (its manual clock moves on); None restores time.sleep."""
    global _sleep_override  # noqa: PLW0603 - the seam beside set_clock; never set in AWS
    _sleep_override = sleep


def sleep() -> Sleep:
    """How product code waits (a sender pacing its texts); it reads the time through clock() afterwards."""
    return _sleep_override or time.sleep
