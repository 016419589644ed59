"""Keras networks computed in bfloat16 (`load_stylizer(..., precision=...)`)."""

import keras
import numpy as np
import pytest

from tests.conftest import save_random_network
from tfstyle.errors import InvalidArgumentError
from tfstyle.inference import load_stylizer, runners, stylize_image
from tfstyle.metrics import psnr


@pytest.fixture(scope="module")
def network_file(tmp_path_factory):
    return save_random_network(str(tmp_path_factory.mktemp("net")))


def test_bfloat16_computes_in_bfloat16_close_to_float32(network_file, rng):
    """Convolutions in bfloat16, the output float32 and within the fast path's 30 dB
    of float32 (tiled with shared statistics too); the global policy is left as it was."""
    image = rng.uniform(size=(64, 72, 3)).astype("float32")
    exact = load_stylizer(network_file, precision="float32")
    fast = load_stylizer(network_file, precision="bfloat16")
    assert exact.model.conv_in.conv.compute_dtype == "float32"
    assert fast.model.conv_in.conv.compute_dtype == "bfloat16"
    assert keras.mixed_precision.global_policy().name == "float32"
    out = fast(image[None])
    assert out.dtype == np.float32
    assert psnr(out, exact(image[None])) > 30
    tiled = stylize_image(fast, image, tile=32, overlap=8)
    assert psnr(tiled, stylize_image(exact, image, tile=32, overlap=8)) > 30


def test_auto_follows_the_cpu(tmp_path, monkeypatch):
    """A network with 64 residual channels (lite) in bfloat16 only where the CPU has it."""
    import tfstyle.precision

    network_file = save_random_network(str(tmp_path), preset="lite")
    monkeypatch.setattr(tfstyle.precision, "native_bf16_cpu", lambda: False)
    assert (
        load_stylizer(network_file, precision="auto").model.conv_in.conv.compute_dtype == "float32"
    )
    monkeypatch.setattr(tfstyle.precision, "native_bf16_cpu", lambda: True)
    assert (
        load_stylizer(network_file, precision="auto").model.conv_in.conv.compute_dtype == "bfloat16"
    )


def test_bad_precision_or_an_exported_file_is_refused(network_file, tmp_path):
    with pytest.raises(InvalidArgumentError, match="precision must be"):
        load_stylizer(network_file, precision="float16")
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not read")
    with pytest.raises(InvalidArgumentError, match="bfloat16 compute is for Keras"):
        load_stylizer(str(fake), precision="bfloat16")
    assert "bfloat16" in runners.PRECISIONS


def test_auto_keeps_narrow_and_separable_networks_in_float32(tmp_path, monkeypatch):
    """Convolutions with fewer than 64 channels, and depthwise ones, run slower in
    bfloat16 than in float32."""
    import tfstyle.precision
    from tfstyle.models.johnson import TransformerNet

    monkeypatch.setattr(tfstyle.precision, "native_bf16_cpu", lambda: True)
    net = TransformerNet.from_preset("mobile")
    net.build((None, None, None, 3))
    assert not net.bfloat16_inference and TransformerNet.from_preset("paper").bfloat16_inference
    assert TransformerNet.from_preset("lite").bfloat16_inference
    assert not TransformerNet.from_preset("lite_025").bfloat16_inference
    assert not TransformerNet.from_preset("paper", separable=True).bfloat16_inference
    path = str(tmp_path / "mobile.keras")
    net.save(path)
    assert load_stylizer(path, precision="auto").model.conv_in.conv.compute_dtype == "float32"


def test_auto_computes_adain_in_bfloat16_close_to_float32(tmp_path, monkeypatch, rng):
    """Encoder and decoder in bfloat16 where the CPU has it; style statistics and the
    output in float32."""
    import tfstyle.precision
    from tfstyle.models.adain import AdaINDecoder, AdaINStyleTransfer

    model = AdaINStyleTransfer(AdaINDecoder(0.125), vgg_weights=None)
    model.build()
    path = str(tmp_path / "adain.keras")
    model.save(path)
    monkeypatch.setattr(tfstyle.precision, "native_bf16_cpu", lambda: True)
    fast = load_stylizer(path, precision="auto")
    assert fast.model.decoder.blocks[0].conv.compute_dtype == "bfloat16"
    image, style = rng.uniform(size=(2, 1, 48, 48, 3)).astype("float32")
    alpha = np.ones([1], np.float32)
    out = fast.bind(style=style, alpha=alpha)(image)
    assert out.dtype == np.float32
    exact = load_stylizer(path, precision="float32").bind(style=style, alpha=alpha)(image)
    assert psnr(out, exact) > 30
