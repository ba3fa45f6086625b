"""ERP delivery: connectors that hand canonical documents to the ERP, and the task that drives them."""
