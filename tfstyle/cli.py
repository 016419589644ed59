"""Command-line plumbing shared by `scripts/` and `export/`.

The library never parses flags or prints; the programs built on it do, and this
module is what they share: quiet TensorFlow start-up, absl flag errors and user
errors as one line on stderr with a non-zero exit, tracebacks only for bugs.
Import it before anything that imports TensorFlow.
"""

import errno
import math
import os
import signal
import sys
import time

# TensorFlow's C++ start-up chatter (CUDA probing, oneDNN notices) would bury the one
# line a user needs to read. Users who want it can set the variable themselves.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _import_tensorflow_quietly():
    """Imports TensorFlow with fd 2 silenced: TF 2.21 logs at import before it reads
    TF_CPP_MIN_LOG_LEVEL. Real import failures still raise after stderr is restored."""
    if os.environ["TF_CPP_MIN_LOG_LEVEL"] in ("0", "1") or "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


_import_tensorflow_quietly()

from absl import app, flags, logging  # noqa: E402

from tfstyle.errors import InvalidArgumentError, TfstyleError  # noqa: E402
from tfstyle.precision import CHOICES as PRECISION_CHOICES  # noqa: E402

EXIT_USAGE = 2
EXIT_ERROR = 1


def fail(message, code=EXIT_ERROR):
    """Prints `error: message` on stderr and exits with `code`."""
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
    sys.exit(code)


# Flags that were booleans once: the bare and the "no" forms still work.
LEGACY_BOOLEAN_FLAGS = {"mixed_precision": ("bf16", "float32")}


def _legacy_booleans(argv):
    """`--mixed_precision` (bare) -> `--mixed_precision=bf16`, `--nomixed_precision` ->
    `--mixed_precision=float32`; a value given after the flag is kept."""
    out = list(argv[:1])
    args = list(argv[1:])
    for i, arg in enumerate(args):
        if arg == "--":
            out += args[i:]
            break
        name = arg.lstrip("-")
        if arg.startswith("--") and name in LEGACY_BOOLEAN_FLAGS:
            following = args[i + 1] if i + 1 < len(args) else "-"
            if following.startswith("-"):
                arg = f"--{name}={LEGACY_BOOLEAN_FLAGS[name][0]}"
        elif arg.startswith("--no") and name[2:] in LEGACY_BOOLEAN_FLAGS:
            arg = f"--{name[2:]}={LEGACY_BOOLEAN_FLAGS[name[2:]][1]}"
        out.append(arg)
    return out


def _flags_parser(positional):
    def parse(argv):
        argv = _legacy_booleans(argv)
        try:
            rest = flags.FLAGS(argv)
        except flags.Error as e:
            fail(f"{e} (see --help)", EXIT_USAGE)
        if len(rest) - 1 > positional:
            fail(
                f"unexpected arguments {rest[1 + positional :]}; options are --flags (see --help)",
                EXIT_USAGE,
            )
        return rest

    return parse


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _disk_full(error):
    """A full disk: OSError ENOSPC, or TensorFlow's ResourceExhaustedError from a
    checkpoint writer, which otherwise reads like running out of memory."""
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    return "No space left on device" in str(error)


def run(main, positional=0):
    """`absl.app.run(main)` with one-line errors for bad flags and bad input.

    Args:
        main: `main(argv)`; argv[0] is the program, then up to `positional` arguments.
        positional: how many non-flag arguments the program takes.
    """

    def guarded(argv):
        # TF's Python side logs INFO lines (e.g. on every checkpoint) through absl.
        logging.set_verbosity(logging.WARNING)
        # A scheduler's SIGTERM becomes KeyboardInterrupt, so training loops save a
        # checkpoint on the way out, as they do for Ctrl-C.
        signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            return main(argv)
        except TfstyleError as e:
            fail(str(e), e.exit_code)
        except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as e:
            fail(f"{e.strerror or e}: '{e.filename}'" if e.filename else str(e))
        except MemoryError:
            fail("out of memory; try a smaller --image_size or --batch_size")
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except Exception as e:  # noqa: BLE001
            if _disk_full(e):
                fail("no space left on the disk being written to; free some or use another folder")
            if type(e).__name__ == "ResourceExhaustedError":
                fail("out of memory; try a smaller --image_size or --batch_size")
            raise

    app.run(guarded, flags_parser=_flags_parser(positional))


def vgg_weights_flag(value):
    """Maps the `--vgg_weights` flag (imagenet | none | PATH) to the library argument."""
    return None if value.lower() == "none" else value


def parse_fraction(text, flag_name):
    """A number from "0.01" or "2/255" (how attack budgets are written)."""
    try:
        if "/" in str(text):
            numerator, denominator = str(text).split("/")
            return float(numerator) / float(denominator)
        return float(text)
    except (ValueError, ZeroDivisionError):
        raise InvalidArgumentError(
            f"{flag_name}: expected a number such as 0.01 or 2/255, got '{text}'"
        ) from None


def parse_weights(text, count, flag_name):
    """Parses "0.7,0.3" into `count` floats, or returns None for an empty string."""
    if not text:
        return None
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise InvalidArgumentError(
            f"--{flag_name} must be comma-separated numbers, got '{text}'"
        ) from None
    if len(values) != count:
        raise InvalidArgumentError(f"--{flag_name} has {len(values)} values for {count} styles")
    return values


class Progress:
    """A progress bar with rate and ETA: redrawn in place on a terminal, one line every
    `log_every_s` seconds otherwise (logs, CI).

    Args:
        total: number of steps.
        initial: steps already done (when resuming); the rate counts new steps only.
        items_per_step: e.g. the batch size, to show images/s.
        label: prefix of each line.
        unit: what a step is, for the rate ("frame" -> frame/s).
    """

    def __init__(
        self,
        total,
        initial=0,
        items_per_step=None,
        label="",
        stream=None,
        log_every_s=10.0,
        unit="step",
    ):
        self.total = int(total)
        self.start_step = int(initial)
        self.items_per_step = items_per_step
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stdout
        self.interactive = self.stream.isatty()
        self.log_every_s = log_every_s
        self.start_time = None
        self.last_print = -math.inf

    def update(self, step, logs=None):
        now = time.monotonic()
        if self.start_time is None:
            # Rates count from the first reported step: it carries tracing and warm-up.
            self.start_time, self.start_step = now, step
        done = step >= self.total
        if not (done or self.interactive or now - self.last_print >= self.log_every_s):
            return
        if self.interactive and not done and now - self.last_print < 0.1:
            return
        self.last_print = now
        elapsed = max(now - self.start_time, 1e-9)
        rate = (step - self.start_step) / elapsed if step > self.start_step else 0.0
        width = 24
        filled = int(width * step / max(self.total, 1))
        parts = [
            f"{self.label}[{'#' * filled}{'.' * (width - filled)}] {step}/{self.total}",
            f"? {self.unit}/s"
            if not rate
            else f"{rate:.2f} {self.unit}/s"
            if rate >= 0.1
            else f"{1 / rate:.1f} s/{self.unit}",
        ]
        if self.items_per_step:
            parts.append(f"{rate * self.items_per_step:.1f} img/s")
        remaining = (self.total - step) / rate if rate > 0 else float("inf")
        parts.append(f"{'took' if done else 'ETA'} {_duration(elapsed if done else remaining)}")
        for key, value in (logs or {}).items():
            parts.append(f"{key} {value:.4g}")
        line = " ".join(parts)
        self.stream.write(("\r" + line + "\x1b[K") if self.interactive else line + "\n")
        if self.interactive and done:
            self.stream.write("\n")
        self.stream.flush()

    def note(self, text):
        """A line of its own (e.g. an evaluation), not overwritten by the bar."""
        prefix = "\r\x1b[K" if self.interactive else ""
        self.stream.write(f"{prefix}{self.label}{text}\n")
        self.stream.flush()
        self.last_print = -math.inf  # redraw the bar on the next step


def _duration(seconds):
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


class TrainingFlags:
    """The flags every training script shares (those of train_johnson.py), defined once.

    Args:
        run_prefix: default --output_dir is runs/<run_prefix>_<name>.
        batch_size, learning_rate, epochs, image_size: the method's paper defaults.
    """

    def __init__(
        self,
        batch_size=4,
        learning_rate=1e-3,
        epochs=2.0,
        image_size=256,
        vgg="vgg19",
        dataset="coco/2017",
        dataset_help="TFDS dataset of photos.",
    ):
        self.output_dir = flags.DEFINE_string("output_dir", None, "Run folder.")
        self.dataset = flags.DEFINE_string("dataset", dataset, dataset_help)
        self.content_dir = flags.DEFINE_string(
            "content_dir", None, "Folder of content photos (overrides --dataset)."
        )
        self.image_size = flags.DEFINE_integer(
            "image_size", image_size, "Training crop size.", lower_bound=16
        )
        self.batch_size = flags.DEFINE_integer(
            "batch_size", batch_size, "Batch size.", lower_bound=1
        )
        self.epochs = flags.DEFINE_float(
            "epochs",
            epochs,
            "Passes over the content photos"
            + ("." if epochs is not None else " (default: the paper's number of steps)."),
        )
        self.steps = flags.DEFINE_integer(
            "steps", None, "Train for N steps (overrides --epochs).", lower_bound=1
        )
        self.learning_rate = flags.DEFINE_float(
            "learning_rate", learning_rate, "Adam learning rate.", lower_bound=0
        )
        # Families without a perceptual loss (vgg=None) have no VGG flags.
        self.vgg = vgg and flags.DEFINE_enum("vgg", vgg, ["vgg19", "vgg16"], "Loss network.")
        self.vgg_weights = vgg and flags.DEFINE_string(
            "vgg_weights", "imagenet", "imagenet | none | PATH."
        )
        self.checkpoint_every = flags.DEFINE_integer(
            "checkpoint_every", 500, "Steps between checkpoints.", lower_bound=1
        )
        self.sample_every = flags.DEFINE_integer(
            "sample_every", 500, "Steps between sample images (0: end only).", lower_bound=0
        )
        self.mixed_precision = flags.DEFINE_enum(
            "mixed_precision",
            "auto",
            list(PRECISION_CHOICES),
            "auto: bfloat16 where the device runs it natively (CPU with AVX512_BF16 or "
            "AMX, GPU >= 8.0), float16 with loss scaling on older GPUs, else float32. "
            "A bare --mixed_precision means bf16; --nomixed_precision means float32.",
        )
        self.jit_compile = flags.DEFINE_bool("jit_compile", False, "Compile the step with XLA.")
        self.distribute = flags.DEFINE_enum(
            "distribute",
            "auto",
            ["auto", "none", "mirrored", "multi_worker"],
            "tf.distribute strategy: auto = multi_worker when TF_CONFIG names a cluster, "
            "mirrored with several GPUs, else none. --batch_size is the global batch.",
        )
        self.eval_every = flags.DEFINE_integer(
            "eval_every", 0, "Steps between evaluations, for families that have one.", lower_bound=0
        )
        self.seed = flags.DEFINE_integer("seed", 0, "Seed for data order, crops and init.")

    def config(self, default_output_dir, **overrides):
        """The `TrainConfig` fields from the flags (`overrides` win, e.g. a preset's)."""
        values = {
            "output_dir": self.output_dir.value or default_output_dir,
            "content_dir": self.content_dir.value,
            "dataset": self.dataset.value,
            "image_size": self.image_size.value,
            "batch_size": self.batch_size.value,
            "epochs": self.epochs.value,
            "steps": self.steps.value,
            "learning_rate": self.learning_rate.value,
            "checkpoint_every": self.checkpoint_every.value,
            "sample_every": self.sample_every.value,
            "mixed_precision": self.mixed_precision.value,
            "jit_compile": self.jit_compile.value,
            "distribute": self.distribute.value,
            "eval_every": self.eval_every.value,
            "seed": self.seed.value,
        }
        if self.vgg is not None:
            values["vgg"] = self.vgg.value
            values["vgg_weights"] = vgg_weights_flag(self.vgg_weights.value)
        return {**values, **overrides}


class GANFlags:
    """The optimiser and loss flags of the adversarial families' scripts."""

    def __init__(self, gan_loss="lsgan", decay_fraction=0.5, beta_1=0.5):
        self.gan_loss = flags.DEFINE_enum(
            "gan_loss", gan_loss, ["bce", "lsgan", "hinge", "wgan"], "Adversarial loss."
        )
        self.beta_1 = flags.DEFINE_float("beta_1", beta_1, "Adam beta1.", lower_bound=0)
        self.beta_2 = flags.DEFINE_float("beta_2", 0.999, "Adam beta2.", lower_bound=0)
        # None: the family decays otherwise (MUNIT's step decay), no flag.
        self.decay_fraction = (
            None
            if decay_fraction is None
            else flags.DEFINE_float(
                "decay_fraction",
                decay_fraction,
                "Share of the steps over which the learning rate decays linearly to 0 "
                "(0.5: the papers' 100 + 100 epochs; 0: constant).",
                lower_bound=0,
                upper_bound=1,
            )
        )
        self.eval_images = flags.DEFINE_integer(
            "eval_images",
            64,
            "FID/KID (with --eval_every): images generated and real.",
            lower_bound=2,
        )
        self.eval_features = flags.DEFINE_enum(
            "eval_features", "inception", ["inception", "vgg"], "FID/KID feature network."
        )
        self.eval_feature_weights = flags.DEFINE_string(
            "eval_feature_weights",
            "imagenet",
            "Weights of --eval_features: imagenet (downloaded once), a path, or none.",
        )

    def config(self):
        values = {
            "gan_loss": self.gan_loss.value,
            "beta_1": self.beta_1.value,
            "beta_2": self.beta_2.value,
            "eval_images": self.eval_images.value,
            "eval_features": self.eval_features.value,
            "eval_feature_weights": vgg_weights_flag(self.eval_feature_weights.value),
        }
        if self.decay_fraction is not None:
            values["decay_fraction"] = self.decay_fraction.value
        return values


def training_progress(config):
    """(on_start, on_step) callbacks printing the run facts and a progress bar (on the
    chief only, in a multi-worker run)."""
    state = {"chief": True}

    def on_start(info):
        state["chief"] = info.get("chief", True)
        if not state["chief"]:
            return
        if info.get("precision_warning"):
            sys.stderr.write(f"warning: {info['precision_warning']}\n")
            sys.stderr.flush()
        skipped = info.get("skipped") or ()
        if skipped:
            print(f"skipped {len(skipped)} unreadable files, e.g. {skipped[0]}")
        replicas = info.get("replicas", 1)
        per_replica = f" ({replicas} replicas)" if replicas > 1 else ""
        print(
            f"{'resuming' if info['resumed'] else 'starting'} {config.output_dir}: "
            f"{info['total_steps']} steps of {config.batch_size} images{per_replica}"
        )
        if info.get("precision"):
            print(info["precision"])

    def on_step(step_state):
        if not state["chief"]:
            return
        if "bar" not in state:
            state["bar"] = Progress(
                step_state.total_steps,
                initial=step_state.start_step,
                items_per_step=config.batch_size,
            )
        state["bar"].update(step_state.step, step_state.logs)
        if step_state.evaluation:
            state["bar"].note(
                f"step {step_state.step}: "
                + " ".join(f"{k} {v:.4g}" for k, v in step_state.evaluation.items())
            )

    return on_start, on_step


def print_release(result):
    files = [v for k, v in result.items() if k.endswith((".keras", ".weights.h5"))]
    if files:
        print(f"step {result['step']}: wrote {' and '.join(files)}")


def train(recipe):
    """Runs a training recipe with a progress bar; prints the release files.

    Returns the driver's result (step, release paths, the recipe's start facts)."""
    from tfstyle.training import driver

    on_start, on_step = training_progress(recipe.config)
    result = driver.run(recipe, on_start=on_start, on_step=on_step, on_note=print)
    print_release(result)
    return result


class PerceptualFlags:
    """The objective flags of the Johnson-family scripts (train_johnson.py, train_cin.py).

    The defaults repeat the library's (`JohnsonTrainConfig`, `DEFAULT_WEIGHTS`,
    `PRESETS`) so that `--help` and a bad flag answer before TensorFlow is imported; a
    test keeps the two in step.
    """

    def __init__(self, flag_values=flags.FLAGS):
        fv = {"flag_values": flag_values}
        self.style_size = flags.DEFINE_integer(
            "style_size",
            256,
            "Longer side the style image(s) are resized to (fast-neural-style's 256); "
            "0: the painting's own size, up to 512 px.",
            lower_bound=0,
            **fv,
        )
        self.content_weight = flags.DEFINE_float(
            "content_weight", 1.0, "Content weight.", lower_bound=0, **fv
        )
        self.style_weight = flags.DEFINE_float(
            "style_weight", 5.0, "Style weight.", lower_bound=0, **fv
        )
        self.tv_weight = flags.DEFINE_float(
            "tv_weight", 1.3e4, "Total variation weight.", lower_bound=0, **fv
        )
        self.content_layer = flags.DEFINE_list(
            "content_layer", None, "Content layer(s) (default relu2_2).", **fv
        )
        self.style_layers = flags.DEFINE_list(
            "style_layers", None, "Style layers (default the last conv of blocks 1-4).", **fv
        )
        self.preset = flags.DEFINE_enum(
            "preset",
            "paper",
            ["paper", "lite", "lite_025", "mobile"],
            "Network: the paper's, narrower ones, or the phone-class one.",
            **fv,
        )
        self.input_noise = flags.DEFINE_float(
            "input_noise",
            0.0,
            "Std of Gaussian noise on the training photos the network sees (content "
            "targets stay clean); it moves the saturated blob on flat regions, see README "
            "'What the blob is not'. 0: none.",
            lower_bound=0,
            upper_bound=1,
            **fv,
        )
        self.lr_drop_fraction = flags.DEFINE_float(
            "lr_drop_fraction",
            0.0,
            "The last fraction of the steps trains at a tenth of --learning_rate "
            "(fixed for the run); 0: a constant rate, the paper's.",
            lower_bound=0,
            upper_bound=0.99,
            **fv,
        )

    def config(self):
        return {
            "style_size": self.style_size.value,
            "content_weight": self.content_weight.value,
            "style_weight": self.style_weight.value,
            "tv_weight": self.tv_weight.value,
            "content_layers": tuple(self.content_layer.value) if self.content_layer.value else None,
            "style_layers": tuple(self.style_layers.value) if self.style_layers.value else None,
            "preset": self.preset.value,
            "input_noise": self.input_noise.value,
            "lr_drop_fraction": self.lr_drop_fraction.value,
        }
