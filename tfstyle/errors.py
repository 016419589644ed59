"""Exceptions for problems in what a user gave us (as opposed to bugs).

Command-line programs turn these into one line on stderr and a non-zero exit code;
anything else is a bug and keeps its traceback.
"""


class TfstyleError(Exception):
    """Base class for errors caused by user input: files, names, options."""

    exit_code = 1  # what a command-line program exits with


class InvalidArgumentError(TfstyleError, ValueError):
    """An argument has a value we cannot use (unknown name, bad range, ...)."""


class ImageError(TfstyleError, OSError):
    """An image file is missing, unreadable, corrupt, truncated or unsupported."""


class OutputExistsError(TfstyleError, FileExistsError):
    """The output path exists and the caller did not ask to replace it."""


class WeightsError(TfstyleError, OSError):
    """Model weights could not be downloaded or loaded."""


class DatasetUnavailableError(InvalidArgumentError):
    """A dataset is not prepared here and cannot be downloaded (exit status 2)."""

    exit_code = 2


class VideoError(TfstyleError, OSError):
    """A video file is missing, unreadable, not a video, or cannot be written."""
