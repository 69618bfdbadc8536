"""Runtime configuration: one pydantic Settings model read from the environment, lazily (at first use, never at
import).

Non-secret values are plain environment variables set by template.yaml (or by the local stack, whose values live
in infra/local/config.py and nowhere else). Secrets are never in the environment in AWS: only the *name* of the
secret is, and `clienteling.adapters.secrets` reads it through Powertools Parameters.

Fail closed: a required variable that is missing or empty is never replaced by a default. The first use of the
settings raises `NotConfigured` naming every missing variable; the entrypoints turn that into one log line and a
503 `not_configured` (HTTP) or a failed invocation (asynchronous triggers), before the handler does anything.
The rule holds wherever the package runs (Lambda, the local stack, a test): the local stack sets every variable.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from clienteling.kernel.errors import NotConfigured

# Set by the template's Globals for every function: none of them may be missing or empty.
REQUIRED = (
    "table_name",
    "media_bucket",
    "event_bus_name",
    "user_pool_id",
    "secrets_name",
    "public_base_url",
    "twilio_account_sid",
    "adyen_merchant_account",
    "email_sender",
)


class Settings(BaseModel):
    """Every environment variable the functions read (upper-case names).

    Defaults are product defaults (rates, limits, cache ages), never a deployment's values: those are required
    (REQUIRED, for every function) or empty until the one function that needs them asks (`needed`).

    A plain pydantic model filled from os.environ: pydantic-settings would add 40 ms to every cold start
    for features (dotenv, secrets dirs, nested sources) Lambda has no use for.
    """

    model_config = ConfigDict(frozen=True)

    table_name: str
    media_bucket: str
    event_bus_name: str
    user_pool_id: str
    # Where the outside world reaches the HTTP API (webhook signatures, links in messages).
    public_base_url: str
    # Region used to read national-format phone numbers when no store gives a better one.
    default_phone_region: str = "US"
    # Secrets Manager secret holding {"twilio_auth_token", "adyen_hmac_key", ...} as JSON.
    secrets_name: str
    secrets_max_age_seconds: int = Field(default=300, ge=0)
    # How long a store's configuration may be served from a warm function's memory.
    store_cache_seconds: int = Field(default=60, ge=0)
    # Twilio account (not secret); the auth token is in the provider secret.
    twilio_account_sid: str
    # Only set locally: where the Twilio simulator listens (twilio-python talks to api.twilio.com otherwise).
    twilio_api_base_url: str | None = None
    # EventBridge Scheduler: the group one-time schedules go to, the role it invokes targets with, and the
    # function that delivers send-later messages. Set on the functions that schedule only (`needed`).
    scheduler_group: str = ""
    scheduler_role_arn: str = ""
    scheduled_messages_function_arn: str = ""
    # SNS topic the associate app's push backend subscribes to (empty: no push, notifications only stored).
    push_topic_arn: str = ""
    # Adyen (not secret; the API key, HMAC key and webhook credentials are in the provider secret).
    adyen_merchant_account: str
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
    email_sender: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings of `environ` (os.environ); NotConfigured names every required variable missing or empty,
        or set to a value that is not valid (a number that is not one)."""
        source = os.environ if environ is None else environ
        values = {name: source[name.upper()] for name in cls.model_fields if name.upper() in source}
        missing = [name.upper() for name in REQUIRED if not values.get(name, "").strip()]
        if values.get("adyen_environment") == "live" and not values.get("adyen_live_endpoint_prefix", "").strip():
            missing.append("ADYEN_LIVE_ENDPOINT_PREFIX")
        if missing:
            raise NotConfigured(missing)
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise NotConfigured(sorted({str(e["loc"][0]).upper() for e in error.errors() if e["loc"]})) from None

    def needed(self, name: str) -> str:
        """A setting only some functions have (`name` as the field is spelled): its value, or NotConfigured naming
        its variable when this function was deployed without it."""
        value = getattr(self, name)
        if not isinstance(value, str) or not value.strip():
            raise NotConfigured([name.upper()])
        return value


@functools.cache
def get_settings() -> Settings:
    """The settings, read once per warm function (a refusal is not cached: each invocation reads again)."""
    return Settings.from_environment()
