"""Messaging: conversations with customers by SMS and MMS, inbound texts, delivery statuses, opt-in and
opt-out, inboxes, send-later, notifications and media. Other features text through `messaging.ports`."""
