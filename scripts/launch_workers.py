r"""Start a multi-worker training run on this machine: N processes, one TF_CONFIG each.

Every trainer runs under MultiWorkerMirroredStrategy when TF_CONFIG names a cluster;
this program writes that variable for N local workers on free 127.0.0.1 ports, starts
the same command in each, prefixes their output with the worker index, and stops them
all if one fails. Worker 0 is the chief: it writes config.json, the checkpoints, the
TensorBoard logs, the samples and the release files. --batch_size stays the global
batch.

Examples:
    python scripts/launch_workers.py --workers 2 -- \
        python scripts/train_johnson.py --style mosaic --content_dir photos/ --steps 20 \
        --output_dir runs/johnson_mw
    # The same run folder resumes on one process (or N workers) later:
    python scripts/train_johnson.py --style mosaic --content_dir photos/ --steps 40 \
        --output_dir runs/johnson_mw

On several machines, set TF_CONFIG on each by hand instead, e.g. on the second one:
    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
                "task": {"type": "worker", "index": 1}}' python scripts/train_johnson.py ...
(the run folder must be on storage every worker sees).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading

from absl import flags

from tfstyle import cli
from tfstyle.errors import InvalidArgumentError

_WORKERS = flags.DEFINE_integer("workers", 2, "Number of worker processes.", lower_bound=1)
_HOST = flags.DEFINE_string("host", "127.0.0.1", "Address the workers listen on.")


def free_ports(count, host):
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind((host, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_configs(count, host):
    """One TF_CONFIG JSON string per worker of a local cluster."""
    workers = [f"{host}:{port}" for port in free_ports(count, host)]
    return [
        json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}})
        for i in range(count)
    ]


def _pump(stream, prefix, out):
    for line in iter(stream.readline, ""):
        out.write(f"{prefix}{line}")
        out.flush()


def main(argv):
    command = argv[1:]
    if not command:
        raise InvalidArgumentError(
            "give the training command after --, e.g. -- python scripts/train_johnson.py ..."
        )
    processes, threads = [], []
    for index, config in enumerate(tf_configs(_WORKERS.value, _HOST.value)):
        # Unbuffered, so that progress lines arrive as they are printed.
        env = dict(os.environ, TF_CONFIG=config, PYTHONUNBUFFERED="1")
        process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        processes.append(process)
        thread = threading.Thread(
            target=_pump, args=(process.stdout, f"[worker {index}] ", sys.stdout), daemon=True
        )
        thread.start()
        threads.append(thread)
    code = 0
    try:
        pending = list(processes)
        while pending:
            for process in list(pending):
                try:
                    result = process.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    continue
                pending.remove(process)
                index = processes.index(process)
                sys.stdout.write(f"[worker {index}] exited with status {result}\n")
                sys.stdout.flush()
                if result != 0 and code == 0:
                    code = result
                    # The others would wait for it in their next collective: stop them.
                    for other in pending:
                        other.send_signal(signal.SIGTERM)
    except KeyboardInterrupt:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait()
        code = 130
    for thread in threads:
        thread.join(timeout=5)
    if code:
        cli.fail(f"a worker exited with status {code}", code if 0 < code < 256 else 1)


if __name__ == "__main__":
    cli.run(main, positional=1000)
