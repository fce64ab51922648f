"""Daily analytics, reports, exports and the digest's bookkeeping."""
