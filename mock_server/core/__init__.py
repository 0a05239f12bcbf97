"""Machinery shared by every provider: store, IDs, clock, errors, auth, idempotency, journal."""
