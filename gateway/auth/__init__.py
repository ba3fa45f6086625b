"""Authentication (hashed bearer tokens), role checks and the audit log."""
