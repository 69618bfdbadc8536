"""Loyalty at the till: purchases, points, rewards programs, frequent-buyer cards, gift cards and card codes."""
