"""One app per external service; each keeps its client, webhooks and fake server together."""
