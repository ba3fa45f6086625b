"""The auditor's side: message and receipt search, exact bytes, evidence bundles verified offline."""
