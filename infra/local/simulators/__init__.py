"""Local stand-ins for the providers the product talks to: Twilio and Adyen."""
