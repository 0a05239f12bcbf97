"""The base layer: what every other layer builds on (errors, clock, ids, store, config). It imports nothing
of mock_server above it."""
