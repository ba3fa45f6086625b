"""Inbound flow: accept() for every transport, then translation, dedup, storage, acks and ERP jobs."""
