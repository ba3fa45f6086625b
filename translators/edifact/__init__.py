"""UN/EDIFACT engine: tokeniser, envelope (UNA/UNB/UNG/UNH), CONTRL, maps to and from canonical documents."""
