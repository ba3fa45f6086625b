"""System tasks: the ``system.ping`` chain that proves outbox -> broker -> worker -> DB works once."""
