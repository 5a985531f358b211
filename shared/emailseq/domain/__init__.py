"""The pure domain core: sequence documents, the enrollment state machine, scheduling rules. No I/O here."""
