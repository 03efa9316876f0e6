"""Facebook Pages and Instagram: Graph API client, webhooks, sync, outbox and a fake Graph API."""
