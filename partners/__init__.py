"""The partner domain, pure: profiles, identifiers, certificate handling and per-partner quirks.

- ``profile``: ``PartnerProfile`` (identities, formats, transports, contacts), ``parse_profile`` and
  ``update_profile``; parts in ``identifiers``, ``formats``, ``delimiters``, ``transports``,
  ``as2_settings``, ``ssh_keys``, ``references`` and ``network`` (URL/host rules).
- ``conflicts``: identities already used by another partner; which partner an inbound envelope is from.
- ``certificates``: parse uploads, describe and check certificates; ``chains``: order and report on
  whole uploads; ``signatures``: issuer signature checks; ``keys``: generate key pairs,
  self-signed certificates and CSRs; ``rollover``: which certificate to use when, expiry warnings.
- ``readiness``: what a partner still needs before messages can flow (onboarding check).
- ``sealing``: secrets encrypted at rest under a master key the caller supplies.
- ``errors``: the package's error hierarchy.
"""
