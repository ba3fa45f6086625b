"""Canonical documents in the database: business keys, control counters, storage."""
