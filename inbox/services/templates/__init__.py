"""WhatsApp templates: the catalog kept from Meta, and sending one past the window."""
