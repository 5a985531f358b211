"""The `emailseq` command line: talks to the HTTP API, and (locally) runs the emulator-backed stack."""
