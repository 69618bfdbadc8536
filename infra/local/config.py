"""Configuration of the local stack, from environment variables with documented defaults (see README)."""

from __future__ import annotations

import os
from dataclasses import dataclass

REGION = "us-east-1"
JWT_ISSUER = "clienteling-local"
JWT_AUDIENCE = "clienteling"

DEFAULTS = {
    "PORT": "3000",
    "CLIENTELING_LOCAL_JWT_SECRET": "clienteling-local-dev-secret-0123456789",
    "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000001",
    "TWILIO_AUTH_TOKEN": "local-twilio-auth-token-0000000000",
    "TWILIO_WEBHOOK_KEY_ID": "webhooks_sharedkey_local",
    "TWILIO_WEBHOOK_KEY": "local-twilio-webhook-shared-key-0123456789abcdef",
    "ADYEN_API_KEY": "local-adyen-api-key",
    "ADYEN_MERCHANT_ACCOUNT": "ClientelingLocalECOM",
    "ADYEN_HMAC_KEY": "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056",
    "ADYEN_WEBHOOK_USERNAME": "adyen-webhook",
    "ADYEN_WEBHOOK_PASSWORD": "local-adyen-webhook-password",
    "RECEIPT_EMAIL_SENDER": "receipts@maison-lumiere.example",
    "UNSUBSCRIBE_SIGNING_KEY": "local-unsubscribe-signing-key-0123456789abcdef",
    "EMAIL_SENDER": "Maison Lumière <news@maison-lumiere.example>",
}


@dataclass(frozen=True)
class LocalNames:
    table: str = "clienteling"
    media_bucket: str = "clienteling-media"
    event_bus: str = "clienteling"
    secrets: str = "clienteling/providers"
    schedule_group: str = "clienteling"


@dataclass(frozen=True)
class LocalSettings:
    port: int
    jwt_secret: str
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_webhook_key_id: str
    twilio_webhook_key: str
    adyen_api_key: str
    adyen_merchant_account: str
    adyen_hmac_key: str
    adyen_webhook_username: str
    adyen_webhook_password: str
    unsubscribe_signing_key: str
    email_sender: str
    receipt_email_sender: str = DEFAULTS["RECEIPT_EMAIL_SENDER"]

    @classmethod
    def from_environment(cls) -> LocalSettings:
        def get(name: str) -> str:
            return os.environ.get(name) or DEFAULTS[name]

        return cls(
            port=int(get("PORT")),
            jwt_secret=get("CLIENTELING_LOCAL_JWT_SECRET"),
            twilio_account_sid=get("TWILIO_ACCOUNT_SID"),
            twilio_auth_token=get("TWILIO_AUTH_TOKEN"),
            twilio_webhook_key_id=get("TWILIO_WEBHOOK_KEY_ID"),
            twilio_webhook_key=get("TWILIO_WEBHOOK_KEY"),
            adyen_api_key=get("ADYEN_API_KEY"),
            adyen_merchant_account=get("ADYEN_MERCHANT_ACCOUNT"),
            adyen_hmac_key=get("ADYEN_HMAC_KEY"),
            adyen_webhook_username=get("ADYEN_WEBHOOK_USERNAME"),
            adyen_webhook_password=get("ADYEN_WEBHOOK_PASSWORD"),
            receipt_email_sender=get("RECEIPT_EMAIL_SENDER"),
            unsubscribe_signing_key=get("UNSUBSCRIBE_SIGNING_KEY"),
            email_sender=get("EMAIL_SENDER"),
        )

    def provider_secrets(self) -> dict[str, str]:
        """What the Secrets Manager secret holds in AWS; locally seeded into moto from the environment."""
        return {
            "twilio_auth_token": self.twilio_auth_token,
            f"twilio_webhook_key.{self.twilio_webhook_key_id}": self.twilio_webhook_key,
            "adyen_api_key": self.adyen_api_key,
            "adyen_hmac_key": self.adyen_hmac_key,
            "adyen_webhook_username": self.adyen_webhook_username,
            "adyen_webhook_password": self.adyen_webhook_password,
            "unsubscribe_signing_key": self.unsubscribe_signing_key,
        }

    def function_environment(self) -> dict[str, str]:
        """Non-secret settings functions read (template parameters in AWS)."""
        return {
            "TWILIO_ACCOUNT_SID": self.twilio_account_sid,
            "ADYEN_MERCHANT_ACCOUNT": self.adyen_merchant_account,
            "ADYEN_ENVIRONMENT": "test",
            "RECEIPT_EMAIL_SENDER": self.receipt_email_sender,
            # Demo product images come from the local image server (infra.local.assets), over http.
            "CART_PAGE_IMAGE_SOURCES": "https: http://127.0.0.1:*",
            "EMAIL_SENDER": self.email_sender,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
        }
