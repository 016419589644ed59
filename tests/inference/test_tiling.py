import numpy as np
import pytest

from tfstyle.inference import stylize_image
from tfstyle.inference.tiling import _ramp, _starts


class Local:
    """A stand-in network whose output at a pixel depends only on its neighbourhood."""

    def __init__(self, fixed_size=None):
        self.fixed_size = fixed_size
        self.calls = []

    def __call__(self, x):
        self.calls.append(x.shape)
        assert x.shape[1] % 4 == 0 and x.shape[2] % 4 == 0
        if self.fixed_size:
            assert tuple(x.shape[1:3]) == tuple(self.fixed_size)
        return np.sqrt(x) * 0.5 + 0.25


def test_any_size_is_padded_to_a_multiple_of_four_and_cropped_back(rng):
    image = rng.uniform(size=(37, 53, 3)).astype("float32")
    out = stylize_image(Local(), image)
    assert out.shape == image.shape
    np.testing.assert_allclose(out, np.sqrt(image) * 0.5 + 0.25, atol=1e-6)


def test_tiled_equals_untiled_away_from_edges(rng):
    image = rng.uniform(size=(150, 170, 3)).astype("float32")
    net = Local()
    tiled = stylize_image(net, image, tile=64, overlap=16)
    assert len(net.calls) > 4
    np.testing.assert_allclose(tiled, stylize_image(Local(), image), atol=1e-5)


def test_feathered_weights_cover_every_pixel():
    starts = _starts(170, 64, 16)
    assert starts[0] == 0 and starts[-1] == 170 - 64
    total = np.zeros(170)
    for s in starts:
        total[s : s + 64] += _ramp(64, 16, s == starts[0], s == starts[-1])
    assert total.min() > 0.0


def test_fixed_size_models_get_exactly_their_size(rng):
    image = rng.uniform(size=(100, 90, 3)).astype("float32")
    out = stylize_image(Local(fixed_size=(64, 64)), image, overlap=8)
    assert out.shape == image.shape


def test_strength_and_preserve_color(rng):
    image = rng.uniform(size=(16, 16, 3)).astype("float32")
    np.testing.assert_allclose(stylize_image(Local(), image, strength=0.0), image, atol=1e-6)
    half = stylize_image(Local(), image, strength=0.5)
    np.testing.assert_allclose(half, 0.5 * image + 0.5 * (np.sqrt(image) * 0.5 + 0.25), atol=1e-6)
    assert stylize_image(Local(), image, preserve_color=True).shape == image.shape
    with pytest.raises(ValueError, match="strength"):
        stylize_image(Local(), image, strength=2.0)
    with pytest.raises(ValueError, match="overlap"):
        stylize_image(Local(), image, tile=32, overlap=16)


def test_tiles_share_image_wide_instance_norm_statistics(rng):
    import keras

    from tfstyle.inference.runners import _keras_stylizer
    from tfstyle.models.johnson import TransformerNet

    keras.utils.set_random_seed(0)
    net = TransformerNet.from_preset("lite_025")
    net.build((None, None, None, 3))
    stylizer = _keras_stylizer("keras", "memory", net)
    # A photo-like image whose halves differ, so per-tile statistics differ a lot.
    image = np.clip(rng.normal(0.3, 0.05, (96, 128, 3)), 0, 1).astype("float32")
    image[:, 64:] = np.clip(image[:, 64:] * 2.5, 0, 1)
    whole = stylize_image(stylizer, image, tile=4096)
    shared = stylize_image(stylizer, image, tile=48, overlap=16)
    per_tile = stylize_image(lambda x: stylizer(x), image, tile=48, overlap=16)

    def psnr(a, b):
        return 10 * np.log10(1.0 / np.mean((a - b) ** 2))

    assert stylizer.statistics_endpoints() == ("image_statistics", "with_image_statistics")
    assert psnr(shared, whole) > psnr(per_tile, whole) + 3
    # A tile as large as the image, with the image's own statistics, is the image.
    padded = image[None]  # 96 x 128: no padding needed
    statistics = stylizer.run("image_statistics", image=padded)["statistics"]
    again = stylizer.run("with_image_statistics", image=padded, statistics=statistics)
    np.testing.assert_allclose(again["stylized"], stylizer.run(image=padded)["stylized"], atol=1e-5)


def _statistics_width(network):
    from tfstyle.models import serving

    endpoints = {e.name: e for e in serving.network_endpoints(network)}
    if "with_image_statistics" not in endpoints:
        return None
    assert "image_statistics" in endpoints
    return endpoints["with_image_statistics"].inputs["statistics"][-1]


def test_statistics_endpoints_record_every_per_image_normalisation_in_call_order():
    """K is twice the channels of every instance-norm layer (mean and variance); a
    conditional network adds its output conv's 3; batch norm, noise-input and
    upscaling networks have none."""
    from tfstyle.models.johnson import TransformerNet
    from tfstyle.models.super_resolution import SRResNet
    from tfstyle.networks.dcgan import DCGANGenerator

    net = TransformerNet.from_preset("lite_025")  # widths 8, 16, 32
    net.build((None, None, None, 3))
    # conv_in 8, down 16 + 32, 5 residual blocks x 2 x 32, up 16 + 8.
    assert _statistics_width(net) == 2 * (8 + 16 + 32 + 10 * 32 + 16 + 8)
    cin = TransformerNet.from_preset("lite_025", normalization="conditional_instance", num_styles=3)
    cin.build([(None, None, None, 3), (None, 3)])
    assert _statistics_width(cin) == 2 * (400 + 3)
    sr = SRResNet(scale=2, filters=4, num_residual_blocks=1, output_kernel=3)
    sr.build((None, None, None, 3))
    assert _statistics_width(sr) is None
    batch_norm = TransformerNet.from_preset("lite_025", normalization="batch")
    batch_norm.build((None, None, None, 3))
    assert _statistics_width(batch_norm) is None
    dcgan = DCGANGenerator()
    assert _statistics_width(dcgan) is None


def test_given_statistics_normalise_another_image_like_the_recorded_one(rng):
    """Recording on image A and replaying on A reproduces A's output exactly; replaying
    A's statistics on B changes B's output (B is normalised as A was)."""
    import keras

    from tfstyle.layers.normalization import given_statistics, recorded_statistics
    from tfstyle.models.johnson import TransformerNet

    keras.utils.set_random_seed(1)
    net = TransformerNet.from_preset("lite_025")
    a = rng.uniform(size=(1, 32, 32, 3)).astype("float32")
    b = np.clip(a * 0.3 + 0.6, 0, 1).astype("float32")
    with recorded_statistics() as recorded:
        out_a = net(a)
    with given_statistics(recorded.flat()):
        replay_a, b_as_a = net(a), net(b)
    np.testing.assert_array_equal(np.asarray(replay_a), np.asarray(out_a))
    assert np.abs(np.asarray(b_as_a) - np.asarray(net(b))).mean() > 1e-3


def test_upscaler_tiles_equal_the_whole_image_and_land_at_scale_times_their_place(rng):
    """A real x2 SRResNet (batch norm in inference mode, receptive field ~9 input px):
    every output pixel further than that from the inner edges of the tiles covering it
    equals the whole-image output, inside the blended overlaps too (the bottom and right
    image borders are excluded as well: the whole image is padded there, tiles not)."""
    from tfstyle.inference.runners import _keras_stylizer
    from tfstyle.models.super_resolution import SRResNet

    net = SRResNet(scale=2, filters=4, num_residual_blocks=1, output_kernel=3)
    net.build((None, None, None, 3))
    stylizer = _keras_stylizer("keras", "tiny", net)
    assert stylizer.scale == 2
    image = rng.uniform(size=(140, 200, 3)).astype("float32")
    whole = stylize_image(stylizer, image)
    assert whole.shape == (280, 400, 3)
    tile, overlap, reach = 80, 32, 14
    tiled = stylize_image(stylizer, image, tile=tile, overlap=overlap)
    far = np.ones(image.shape[:2], bool)
    for y in _starts(140, tile, overlap):
        for x in _starts(200, tile, overlap):
            for edge, axis in ((y, 0), (x, 1)):
                for inner in [e for e in (edge, edge + tile) if 0 < e]:
                    near = slice(max(0, inner - reach), inner + reach)
                    other = slice(x, x + tile) if axis == 0 else slice(y, y + tile)
                    if axis == 0:
                        far[near, other] = False
                    else:
                        far[other, near] = False
    far = np.repeat(np.repeat(far, 2, 0), 2, 1)
    assert far.mean() > 0.1
    np.testing.assert_allclose(tiled[far], whole[far], atol=1e-4)
    # --strength blends with the bicubic enlargement of the input.
    half = stylize_image(stylizer, image, strength=0.0)
    assert half.shape == whole.shape and abs(float(half.mean()) - float(image.mean())) < 0.02


def test_every_image_endpoint_gets_its_own_statistics_endpoints(rng):
    """CycleGAN's b_to_a tiles with b_to_a_image_statistics / _with_image_statistics
    (B -> A's statistics, not A -> B's); a bound stylizer finds its endpoint's pair."""
    from tfstyle.inference.runners import _keras_stylizer
    from tfstyle.models.cyclegan import CycleGANTranslator
    from tfstyle.networks.resnet_generator import ResnetGenerator

    translator = CycleGANTranslator(
        ResnetGenerator(filters=4, num_blocks=1),
        ResnetGenerator(filters=4, num_blocks=1),
    )
    translator.build((None, None, None, 3))
    stylizer = _keras_stylizer("keras", "memory", translator)
    names = ("b_to_a_image_statistics", "b_to_a_with_image_statistics")
    assert set(names) <= set(stylizer.endpoints)
    b_to_a = stylizer.bind("b_to_a")
    assert b_to_a.statistics_endpoints() == names
    x = rng.uniform(size=(1, 32, 32, 3)).astype("float32")
    statistics = b_to_a.run(names[0], image=x)["statistics"]
    again = b_to_a.run(names[1], image=x, statistics=statistics)["stylized"]
    np.testing.assert_allclose(np.clip(again, 0, 1), b_to_a(x), atol=1e-5)
    a_to_b = stylizer.run("image_statistics", image=x)["statistics"]
    assert a_to_b.shape == statistics.shape and not np.allclose(a_to_b, statistics)


def test_exported_statistics_files_are_found_beside_any_endpoints_file(tmp_path):
    from tfstyle.inference.runners import _companions

    for name in (
        "image_statistics_float16_384x384.tflite",
        "with_image_statistics_float16_384x384.tflite",
        "b_to_a_image_statistics.onnx",
        "b_to_a_with_image_statistics.onnx",
        "b_to_a_head.onnx",
        "b_to_a_body.onnx",
        "b_to_a_tail.onnx",
        "image_statistics_int8.tflite",  # without its pair: not used
        "head_float16.tflite",  # without body and tail: not used
    ):
        (tmp_path / name).write_bytes(b"")
    main = str(tmp_path / "model_float16_384x384.tflite")
    assert [p.split("/")[-1] for p in _companions(main, "serving_default")] == [
        "image_statistics_float16_384x384.tflite",
        "with_image_statistics_float16_384x384.tflite",
    ]
    b_to_a = str(tmp_path / "b_to_a.onnx")
    assert [p.split("/")[-1] for p in _companions(b_to_a, "b_to_a")] == [
        "b_to_a_image_statistics.onnx",
        "b_to_a_with_image_statistics.onnx",
        "b_to_a_head.onnx",
        "b_to_a_body.onnx",
        "b_to_a_tail.onnx",
    ]
    assert _companions(str(tmp_path / "model_float16.tflite"), "serving_default") == []
    assert _companions(str(tmp_path / "model_int8.tflite"), "serving_default") == []


@pytest.mark.parametrize("preset", ["lite_025", "mobile", "conditional"])
def test_exact_tiles_reproduce_the_untiled_output(rng, preset):
    """Tiles through the head / body / tail endpoints, with every layer's statistics
    measured at full size, give the untiled output (float32 round-off), where the
    statistics of the downscaled image do not; the mobile network's 8 px margin and the
    conditional network's style weights are carried through."""
    import keras

    from tfstyle.inference.runners import _keras_stylizer
    from tfstyle.inference.tiling import exact_tiles
    from tfstyle.metrics import psnr
    from tfstyle.models.johnson import TransformerNet

    keras.utils.set_random_seed(0)
    if preset == "conditional":
        net = TransformerNet.from_preset(
            "lite_025", normalization="conditional_instance", num_styles=3
        )
        net.build([(None, None, None, 3), (None, 3)])
    else:
        net = TransformerNet.from_preset(preset)
        net.build((None, None, None, 3))
    stylizer = _keras_stylizer("keras", "memory", net)
    if preset == "conditional":
        stylizer = stylizer.bind(style_weights=np.array([[0.2, 0.8, 0.0]], "float32"))
    assert stylizer.stage_endpoints() == ("head", "body", "tail")
    image = np.clip(rng.normal(0.3, 0.1, (100, 132, 3)), 0, 1).astype("float32")
    image[:, 70:] = np.clip(image[:, 70:] * 2.5, 0, 1)
    whole = stylize_image(stylizer, image, tile=4096)
    exact = stylize_image(stylizer, image, tile=48, overlap=16)
    np.testing.assert_allclose(np.clip(exact_tiles(stylizer, image, 48, 16), 0, 1), exact)
    shared = stylize_image(stylizer, image, tile=48, overlap=16, exact=False, statistics_side=64)
    assert psnr(whole, exact) > 60, psnr(whole, exact)
    assert psnr(whole, exact) > psnr(whole, shared) + 20


@pytest.mark.parametrize("upsampling", ["transpose", "resize_conv"])
def test_exact_tiles_of_both_cyclegan_directions(rng, upsampling):
    """The ResNet generator (CycleGAN, CartoonGAN's double-conv variant) splits too;
    CycleGAN's b_to_a endpoint tiles through b_to_a_head / _body / _tail."""
    import keras

    from tfstyle.inference.runners import _keras_stylizer
    from tfstyle.metrics import psnr
    from tfstyle.models.cyclegan.cyclegan import CycleGANTranslator
    from tfstyle.networks import ResnetGenerator

    keras.utils.set_random_seed(0)
    common = {"filters": 8, "num_blocks": 2, "upsampling": upsampling}
    double = upsampling == "transpose"
    translator = CycleGANTranslator(
        ResnetGenerator(**common, double_conv=double), ResnetGenerator(**common)
    )
    translator.build((None, None, None, 3))
    stylizer = _keras_stylizer("keras", "memory", translator)
    image = np.clip(rng.normal(0.3, 0.1, (88, 120, 3)), 0, 1).astype("float32")
    image[:, 60:] = np.clip(image[:, 60:] * 2.5, 0, 1)
    for direction in ("serving_default", "b_to_a"):
        bound = stylizer.bind(direction)
        prefix = "" if direction == "serving_default" else "b_to_a_"
        assert bound.stage_endpoints() == tuple(prefix + s for s in ("head", "body", "tail"))
        whole = stylize_image(bound, image, tile=4096)
        exact = stylize_image(bound, image, tile=48, overlap=16)
        assert psnr(whole, exact) > 60, (direction, psnr(whole, exact))


def test_exact_tiles_need_the_stage_endpoints(rng):
    """A plain callable (or a model without head / body / tail) keeps the shared or
    per-tile statistics: `exact_tiles` answers None."""
    from tfstyle.inference.tiling import exact_tiles

    image = rng.uniform(size=(40, 40, 3)).astype("float32")
    assert exact_tiles(Local(), image, 32, 8) is None


def test_exact_tiles_fall_back_to_shared_statistics_when_the_layout_is_unclear(rng, monkeypatch):
    """Should the probe not find each layer's (means, variances) span, the tiles share
    the downscaled image's statistics instead of failing."""
    import keras

    from tfstyle.inference import tiling
    from tfstyle.inference.runners import _keras_stylizer
    from tfstyle.models.johnson import TransformerNet

    keras.utils.set_random_seed(0)
    net = TransformerNet.from_preset("lite_025")
    net.build((None, None, None, 3))
    stylizer = _keras_stylizer("keras", "memory", net)
    image = rng.uniform(size=(72, 96, 3)).astype("float32")
    monkeypatch.setattr(tiling._Stage, "layers", lambda self: None)
    assert tiling.exact_tiles(stylizer, image, 48, 16) is None
    shared = stylize_image(stylizer, image, tile=48, overlap=16, exact=False)
    np.testing.assert_allclose(stylize_image(stylizer, image, tile=48, overlap=16), shared)
