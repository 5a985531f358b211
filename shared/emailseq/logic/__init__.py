"""Use cases: each takes ports and a command, and does one thing. No boto3 here."""
