"""Partner onboarding: storage, validation against the partner domain, and the admin API."""
