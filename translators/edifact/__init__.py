"""UN/EDIFACT engine: tokeniser, envelope (UNA/UNB/UNG/UNH), CONTRL, maps to and from canonical documents.

Entry points: ``translate.translate`` (everything, with a FunctionalAck per interchange),
``translate.iter_translate`` over an ``envelope.EnvelopeReader`` (bounded memory), ``contrl.render_contrl``
and ``contrl.reconcile``, ``outbound.render_document`` (directory, syntax level, service characters and
references as arguments) and ``engine.ENGINE``, which ``translators.api`` uses.
"""
