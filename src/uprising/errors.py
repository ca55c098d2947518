"""User-facing errors: bad input that the CLI reports in one line with exit code 2."""


class UprisingError(Exception):
    """Bad input from a user: a scenario, a parameter, a data file, a request.

    The message is one line that names the field and, where there is one, the allowed range.
    """


class ScenarioError(UprisingError):
    """A scenario file or override that does not validate."""


class DataError(UprisingError):
    """A missing, unreadable or corrupted data file."""
