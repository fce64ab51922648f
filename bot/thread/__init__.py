"""What a conversation's thread shows: the root card, its blocks and the message text."""
