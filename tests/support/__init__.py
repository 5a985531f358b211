"""Helpers shared by the suites that run against the local stack (e2e, infrastructure)."""
