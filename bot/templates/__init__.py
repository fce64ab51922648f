"""WhatsApp templates in Slack: the "Send a template…" button, the modal, its submission."""
