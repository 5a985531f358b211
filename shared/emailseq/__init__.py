"""emailseq: the domain package every Lambda imports (domain core, logic, data access, HTTP API)."""

__version__ = "0.1.0"
