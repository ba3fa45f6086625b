"""EDIFACT message maps to and from canonical documents: ORDERS, ORDRSP, DESADV, CONTRL."""
