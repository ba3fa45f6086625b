"""The partner domain, pure: profiles, identifiers, certificate handling and per-partner quirks."""
