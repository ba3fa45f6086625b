"""SFTP in both directions: the embedded paramiko server with per-partner folders, the inbox watcher that
hands complete files to ``accept()``, atomic writes into a partner's ``outbox/``, and the paramiko client
that pushes to and pulls from a partner's own server with a pinned host key."""
