"""Silences native-library chatter on fd 2 (converters, the LiteRT interpreter); shows it
on failure."""

import contextlib
import os
import sys
import tempfile


@contextlib.contextmanager
def quiet_stderr():
    """Sends fd 2 to a temporary file; if the block raises, the captured tail is
    appended to the exception message so the cause is not lost."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        except Exception as e:
            os.dup2(saved, 2)
            capture.seek(0)
            tail = capture.read().decode(errors="replace").strip().splitlines()[-3:]
            if tail:
                e.args = (f"{e.args[0] if e.args else e} [{' | '.join(tail)}]", *e.args[1:])
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
