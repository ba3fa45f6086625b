"""Alembic migrations of the gateway schema (same revisions on SQLite and PostgreSQL)."""
