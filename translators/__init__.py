"""X12 / EDIFACT <-> canonical documents, pure: bytes and options in, frozen models out."""
