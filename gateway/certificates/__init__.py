"""Certificates of partners and of our stations: import, generation, rollover and expiry."""
