"""The operations console: server-rendered pages on the same tokens, roles and services as the API."""
