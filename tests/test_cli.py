"""`cli.run`: errors a program raises become one line and a non-zero exit."""

import errno
import sys

import pytest
import tensorflow as tf

from tfstyle import cli


def _outcome(error, monkeypatch, capsys):
    def main(argv):
        raise error

    monkeypatch.setattr(sys, "argv", ["prog"])
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)  # keep pytest's SIGTERM
    with pytest.raises(SystemExit) as exit_info:
        cli.run(main)
    return exit_info.value.code, capsys.readouterr().err


@pytest.mark.parametrize(
    "error, expected",
    [
        # A checkpoint written to a full disk raised this and was reported as memory.
        (tf.errors.ResourceExhaustedError(None, None, "x; No space left on device"), "no space"),
        (OSError(errno.ENOSPC, "No space left on device"), "no space"),
        (tf.errors.ResourceExhaustedError(None, None, "OOM when allocating"), "out of memory"),
        (MemoryError(), "out of memory"),
    ],
)
def test_full_disk_and_memory_are_one_line_each(error, expected, monkeypatch, capsys):
    code, err = _outcome(error, monkeypatch, capsys)
    assert code != 0 and err.count("\n") == 1 and expected in err, err
