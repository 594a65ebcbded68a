"""Errors the command line reports as bad input (exit code 2) rather than as crashes."""


class InputError(Exception):
    """Bad input from the user: a file, a field or an argument. The message names which."""
