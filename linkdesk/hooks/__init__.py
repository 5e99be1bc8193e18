"""Webhooks: the firm's other systems told of what happens, by signed POSTs (linkdesk.hooks)."""
