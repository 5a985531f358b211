"""Local tooling: the emulator, packaging and deploying into it, time travel, the outbox.

Everything emulator-specific lives here, never in the emailseq package or the functions.
"""
