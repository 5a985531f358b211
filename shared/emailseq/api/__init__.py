"""The HTTP API: one FastAPI app per capability (each its own Lambda through Mangum), one error model."""
