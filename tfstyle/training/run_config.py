"""The resolved configuration of a training run, written next to its checkpoints."""

import json
import os

from tfstyle.errors import InvalidArgumentError
from tfstyle.io import atomic_write

CONFIG_FILE = "config.json"


def check_run_config(output_dir, config, must_match=(), upgrade=None):
    """Refuses a run whose `must_match` keys differ from the earlier run in `output_dir`.

    `upgrade(config)` returns a config as this version would write it, for both sides
    (the family's `Recipe.upgrade_run_config`: what an older run's absent or null keys
    meant). Returns True when an earlier run's config was found (a resume).
    """
    path = os.path.join(output_dir, CONFIG_FILE)
    if not os.path.exists(path):
        return False
    with open(path) as f:
        previous = json.load(f)
    # Runs written before the "family" key existed were all Johnson runs.
    previous.setdefault("family", "johnson")
    # Compared as config.json would hold it: a tuple of layers reads back as a list.
    config = json.loads(json.dumps(config))
    if upgrade is not None:
        previous, config = upgrade(previous), upgrade(config)
    changed = [k for k in must_match if previous.get(k) != config.get(k)]
    if changed:
        details = ", ".join(f"{k}: {previous.get(k)!r} -> {config.get(k)!r}" for k in changed)
        raise InvalidArgumentError(
            f"'{output_dir}' holds a run with other settings ({details}); "
            f"use another --output_dir or the same settings to resume"
        )
    return True


def write_run_config(output_dir, config, must_match=(), upgrade=None):
    """Writes `config.json` after `check_run_config`; returns True on a resume."""
    resumed = check_run_config(output_dir, config, must_match, upgrade)
    os.makedirs(output_dir, exist_ok=True)
    path = os.path.join(output_dir, CONFIG_FILE)
    with atomic_write(path, overwrite=True) as tmp, open(tmp, "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    return resumed


def read_run_config(output_dir):
    path = os.path.join(output_dir, CONFIG_FILE)
    if not os.path.exists(path):
        raise InvalidArgumentError(f"'{output_dir}' is not a training run (no {CONFIG_FILE})")
    with open(path) as f:
        return json.load(f)
