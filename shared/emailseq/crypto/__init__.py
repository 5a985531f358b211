"""Field encryption at rest: AES-256-GCM envelopes, the keyed blind index, and post-quantum key wrapping (HPKE).

Pure Python on `cryptography`; no I/O. Where the keys come from (KMS, DynamoDB, Secrets Manager) is the dal's job.
"""
