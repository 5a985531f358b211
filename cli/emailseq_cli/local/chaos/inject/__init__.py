"""Fault injection and call counting for the local stack only (the chaos layer); see docs/chaos.md."""
