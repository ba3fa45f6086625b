"""Outbound delivery: exchanges READY for a partner leave through the partner's transport (AS2 with MDN
tracking, SFTP push, or REST fetch), with retries, a terminal failed state and an operator resend."""
