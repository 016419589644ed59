"""Shared test helpers: tiny images, random-weight VGG, and a real-CLI runner."""

import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def random_image(rng, height=32, width=32):
    return rng.uniform(0.0, 1.0, (height, width, 3)).astype(np.float32)


def write_image(path, rng=None, size=(32, 32), mode="RGB"):
    """Writes a smooth random image file and returns its path."""
    rng = rng or np.random.default_rng(0)
    pixels = (rng.uniform(0, 1, (size[1], size[0], 3)) * 255).astype(np.uint8)
    Image.fromarray(pixels, "RGB").convert(mode).save(path)
    return str(path)


def save_random_network(folder, preset="lite_025"):
    """A random-weight Johnson network of `preset` saved as folder/generator.keras;
    returns the file's path."""
    import keras

    from tfstyle.models.johnson import TransformerNet

    keras.utils.set_random_seed(0)
    net = TransformerNet.from_preset(preset)
    net.build((None, None, None, 3))
    path = os.path.join(folder, "generator.keras")
    net.save(path)
    return path


def run_cli(script, *args, timeout=600):
    """Runs `python scripts/<script> args...` (or `-m module`) and returns the result."""
    command = [sys.executable]
    command += (
        ["-m", script] if not script.endswith(".py") else [os.path.join(REPO, "scripts", script)]
    )
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run(
        command + [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=env,
    )


def assert_one_line_error(result):
    """A bad-input failure: non-zero exit, exactly one line on stderr, no traceback."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0, result.stdout + result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
