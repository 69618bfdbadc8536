"""Runtime configuration: one pydantic Settings model read from the environment, lazily.

Non-secret values are plain environment variables set by template.yaml (or by the local stack).
Secrets are never in the environment in AWS: only the *name* of the secret is, and
`clienteling.secrets` reads it through Powertools Parameters.
"""

from __future__ import annotations

import functools
import os

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """Every environment variable the functions read (upper-case names). Defaults are the local stack's.

    A plain pydantic model filled from os.environ: pydantic-settings would add 40 ms to every cold start
    for features (dotenv, secrets dirs, nested sources) Lambda has no use for.
    """

    model_config = ConfigDict(frozen=True)

    table_name: str = "clienteling"
    media_bucket: str = "clienteling-media"
    event_bus_name: str = "clienteling"
    user_pool_id: str = ""
    # Where the outside world reaches the HTTP API (webhook signatures, links in messages).
    public_base_url: str = "http://127.0.0.1:3000"
    # Region used to read national-format phone numbers when no store gives a better one.
    default_phone_region: str = "US"
    # Secrets Manager secret holding {"twilio_auth_token", "adyen_hmac_key", ...} as JSON.
    secrets_name: str = "clienteling/providers"
    secrets_max_age_seconds: int = Field(default=300, ge=0)
    # How long a store's configuration may be served from a warm function's memory.
    store_cache_seconds: int = Field(default=60, ge=0)
    # Twilio account (not secret); the auth token is in the provider secret.
    twilio_account_sid: str = ""
    # Only set locally: where the Twilio simulator listens (twilio-python talks to api.twilio.com otherwise).
    twilio_api_base_url: str | None = None
    # EventBridge Scheduler: the group one-time schedules go to, the role it invokes targets with, and the
    # function that delivers send-later messages.
    scheduler_group: str = "clienteling"
    scheduler_role_arn: str = ""
    scheduled_messages_function_arn: str = ""
    # SNS topic the associate app's push backend subscribes to (empty: no push, notifications only stored).
    push_topic_arn: str = ""
    # Adyen (not secret; the API key, HMAC key and webhook credentials are in the provider secret).
    adyen_merchant_account: str = ""
    adyen_environment: str = "test"
    # Only set locally: where the Adyen simulator listens (the library talks to Adyen's Checkout host otherwise).
    adyen_checkout_url: str | None = None
    # Live only: the prefix of the merchant's Checkout live URL (Customer Area > Developers > API URLs).
    adyen_live_endpoint_prefix: str | None = None
    # Sender of emailed receipts (an identity verified in SES); empty: receipts go by SMS only.
    receipt_email_sender: str = ""
    # Where product images may load from on the customer's cart page (CSP img-src).
    cart_page_image_sources: str = "https:"
    # Largest JSON request body a handler accepts before answering 413.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # Campaigns: the send queue, the start function one-time schedules invoke,
    # the sending rates (SMS segments per second of a store's number unless the store says otherwise; emails per
    # second of the SES account), how far ahead a sender paces its batch, and the send queue's maxReceiveCount.
    campaign_send_queue_url: str = ""
    campaign_start_function_arn: str = ""
    sms_messages_per_second: float = Field(default=1.0, gt=0)
    email_messages_per_second: float = Field(default=14.0, gt=0)
    campaign_pace_seconds: float = Field(default=20.0, gt=0)
    campaign_send_max_attempts: int = Field(default=3, ge=1)
    # The From of loyalty emails (welcome, virtual gift cards) and campaign emails: an SES verified identity, for
    # example "Maison Lumière <news@example.com>".
    email_sender: str = ""

    @classmethod
    def from_environment(cls) -> Settings:
        return cls.model_validate(
            {name: os.environ[name.upper()] for name in cls.model_fields if name.upper() in os.environ}
        )


@functools.cache
def get_settings() -> Settings:
    """The settings, read once per warm function."""
    return Settings.from_environment()
