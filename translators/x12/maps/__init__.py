"""Maps between X12 transaction sets and canonical documents, one module per set, both directions."""
