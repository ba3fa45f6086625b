"""Housekeeping tasks and the periodic schedule the relay keeps."""
