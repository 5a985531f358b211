"""The CLI's one error type: a message saying what is wrong and how to fix it (printed as one line)."""


class CliError(Exception):
    pass
