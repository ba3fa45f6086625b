"""The gateway layer: every piece of I/O (HTTP, database, Celery, AS2 wire, SFTP, ERP, archive)."""
