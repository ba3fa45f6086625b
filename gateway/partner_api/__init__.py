"""REST for partners: submit, follow status, fetch documents, webhooks (DESIGN.md §3, §7)."""
