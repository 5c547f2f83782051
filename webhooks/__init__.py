"""The Shopify app (Flask): webhooks, background jobs and storage."""
