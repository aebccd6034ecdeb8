"""Errors that mean "this recording cannot be processed as it is", as opposed to bugs.

A model file that fails its hash check (`models.files.ModelFileError`) is one of them.
Workers turn these into a `failed` call with the message as the reason, so the message
must make sense to the person who uploaded the file.
"""

from models.files import ModelFileError


class AudioError(Exception):
    """The recording is empty, corrupt, truncated, too long or in a format we cannot decode."""


__all__ = ["AudioError", "ModelFileError"]
