"""Outbound HTTP: the address policy, pinned to the address it checked; image fetching; webhook delivery."""
