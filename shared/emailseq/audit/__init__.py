"""The tamper-evident audit log: a per-tenant hash chain with signed checkpoints (no blockchain, no tokens)."""
