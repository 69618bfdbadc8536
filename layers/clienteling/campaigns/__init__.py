"""Campaigns: outreach lists, audiences, messaging credits, campaigns and their sender, quiet hours."""
