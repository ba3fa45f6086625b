"""The archive: content-addressed blob files plus an append-only, hash-chained record table."""
