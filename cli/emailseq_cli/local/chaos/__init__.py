"""`make chaos`: fault injection against the local stack, and the accounting of every contact; see docs/chaos.md."""
