"""Turning a sequence step and a contact into an email: sandboxed templates, a text part, the MIME message."""
