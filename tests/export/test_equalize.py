"""Channel equalisation before int8 (export/equalize.py): same outputs, unit-deviation
and zero-mean instance-normalised conv channels, weights restored, int8 files closer."""

import numpy as np
import pytest

from export.equalize import _blocks, _recording, equalizable, equalized, output_kernel
from tfstyle.models.johnson import TransformerNet


def _skewed(preset="lite_025", **kwargs):
    """A network whose instance-normalised convs have channels at scales 1e-1..1e2
    and large offsets, as training leaves them (the outputs do not change)."""
    net = TransformerNet.from_preset(preset, **kwargs)
    net.build((None, None, None, 3))
    rng = np.random.default_rng(0)
    for block in _blocks(net):
        if equalizable(block):
            conv = block.conv
            kernel, axis = output_kernel(conv)
            scale = 10.0 ** rng.uniform(-1, 2, kernel.shape[axis])
            shape = [1] * 4
            shape[axis] = -1
            kernel.assign(kernel.numpy() * scale.reshape(shape))
            conv.bias.assign(conv.bias.numpy() * scale + rng.normal(0, 50, scale.shape))
    return net


@pytest.mark.parametrize(
    "preset, options",
    [
        ("lite_025", {}),
        ("mobile", {}),
        ("mobile", {"separable": True}),
        ("lite_025", {"upsampling": "transpose"}),
    ],
)
def test_equalized_keeps_the_outputs_and_restores_the_weights(preset, options, rng):
    net = _skewed(preset, **options)
    images = rng.uniform(size=(3, 32, 32, 3)).astype("float32")
    before = net(images).numpy()
    weights = [w.numpy() for w in net.weights]
    with equalized(net, lambda: net(images)) as count:
        blocks = [b for b in _blocks(net) if equalizable(b)]
        assert count == len(blocks) > 0
        # (float32 rounding of the skewed network's offsets of ~1e3 dominates)
        np.testing.assert_allclose(net(images).numpy(), before, atol=1e-3)
        with _recording(blocks) as seen:  # each norm's input, per image and channel
            net(images)
    assert len(seen) == len(blocks)
    for stats in seen.values():
        means = np.stack([m for m, _ in stats])
        stds = np.stack([s for _, s in stats])
        np.testing.assert_allclose(means.mean(axis=(0, 1)), 0.0, atol=0.05)
        std = stds.mean(axis=(0, 1))
        # channels with a variance under 1000 epsilons are centred, not scaled
        assert np.all((np.abs(std - 1.0) < 0.05) | (std < 0.1)), std
    for w, saved in zip(net.weights, weights, strict=True):
        np.testing.assert_array_equal(w.numpy(), saved)


def test_full_int8_tflite_of_a_skewed_network_is_close_to_keras(tmp_path, rng):
    """Before equalisation this file was ~10 dB from Keras (per-tensor int8 scales
    spent on the widest channels)."""
    from export.pipeline import export_model
    from tfstyle.inference import load_stylizer
    from tfstyle.metrics import psnr

    net = _skewed()
    net.tflite_variants, net.fixed_size_export = ("int8",), False
    path = str(tmp_path / "net.keras")
    net.save(path)
    manifest = export_model(
        path, str(tmp_path / "out"), ("tflite",), generator=net, statistics=False
    )
    (artefact,) = manifest["artefacts"]
    assert artefact["equalized_convs"] == 15
    images = rng.uniform(size=(1, 48, 48, 3)).astype("float32")
    int8 = load_stylizer(str(tmp_path / "out" / artefact["path"]))
    assert psnr(net(images).numpy(), int8(images)) > 13.0  # 10.0 dB without
