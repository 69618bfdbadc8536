"""Outbound dependencies behind small interfaces: identity provider, S3, later Twilio, Adyen, SES, EventBridge."""
