"""Errors that mean "this recording cannot be processed as it is", as opposed to bugs.

Workers turn these into a `failed` call with the message as the reason, so the message
must make sense to the person who uploaded the file.
"""


class AudioError(Exception):
    """The recording is empty, corrupt, truncated, too long or in a format we cannot decode."""


class ModelFileError(Exception):
    """A model directory is missing, incomplete or does not match its pinned sha256."""
