"""Clienteling domain package, shared by every Lambda function as a layer."""
