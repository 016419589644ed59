"""AdaIN: the layer's statistics, alpha, blends, regions, training and serialisation."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfstyle.layers import AdaptiveInstanceNormalization
from tfstyle.models.adain import (
    AdaINDecoder,
    AdaINStyleTransfer,
    blend_statistics,
    region_statistics,
)


def _model():
    keras.utils.set_random_seed(3)
    model = AdaINStyleTransfer(AdaINDecoder(0.125), vgg_weights=None)
    model.build()
    return model


def test_adain_output_has_the_styles_mean_and_std(rng):
    content = rng.normal(2.0, 3.0, (2, 8, 10, 5)).astype("float32")
    mean = rng.normal(0, 1, (2, 5)).astype("float32")
    std = rng.uniform(0.5, 2.0, (2, 5)).astype("float32")
    out = AdaptiveInstanceNormalization()([content, mean, std]).numpy()
    np.testing.assert_allclose(out.mean(axis=(1, 2)), mean, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(1, 2)), std, rtol=1e-3)


def test_adain_of_two_feature_maps_transfers_their_statistics(rng):
    content = rng.normal(0, 1, (1, 6, 6, 4)).astype("float32")
    style = rng.normal(5, 2, (1, 9, 7, 4)).astype("float32")
    mean, std = style.mean(axis=(1, 2)), style.std(axis=(1, 2))
    out = AdaptiveInstanceNormalization()([content, mean, std]).numpy()
    np.testing.assert_allclose(out.mean(axis=(1, 2)), mean, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(1, 2)), std, rtol=1e-3)


def test_alpha_zero_reconstructs_through_the_decoder_only(rng):
    model = _model()
    image = rng.uniform(size=(1, 32, 40, 3)).astype("float32")
    style = rng.uniform(size=(1, 24, 24, 3)).astype("float32")
    stats = model.style_statistics(style)
    out = model.stylize(image, stats["style_mean"], stats["style_std"], alpha=0.0).numpy()
    m = 24  # the 32 px margin, less on a 32 px side
    padded = np.pad(image, ((0, 0), (m, m), (m, m), (0, 0)), mode="reflect")
    expected = np.clip(model.decoder(model.encode(padded)).numpy()[:, m:-m, m:-m], 0, 1)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    full = model.stylize(image, stats["style_mean"], stats["style_std"], alpha=1.0).numpy()
    assert np.abs(full - out).max() > 1e-4
    assert out.shape == image.shape


def test_stylize_mirrors_a_margin_and_crops_it(rng):
    # A trained decoder draws a line 8-16 px inside the edges of every output (the
    # encoder's zero padding); the mirrored margin moves it into what is cropped.
    model = _model()
    assert model.edge_padding == 32 and model.get_config()["edge_padding"] == 32
    image = rng.uniform(size=(1, 72, 80, 3)).astype("float32")
    stats = model.style_statistics(rng.uniform(size=(1, 24, 24, 3)).astype("float32"))
    mean, std = stats["style_mean"], stats["style_std"]
    out = model.stylize(image, mean, std).numpy()
    padded = np.pad(image, ((0, 0), (32, 32), (32, 32), (0, 0)), mode="reflect")
    model.edge_padding = 0
    bare = model.stylize(padded, mean, std).numpy()
    np.testing.assert_allclose(out, bare[:, 32:-32, 32:-32], atol=1e-5)
    assert np.abs(out - model.stylize(image, mean, std).numpy()).max() > 1e-3
    # Any size, tiny ones too (a smaller margin): the output keeps the unpadded size.
    for size in ((16, 16), (20, 36), (17, 48)):
        small = rng.uniform(size=(1, *size, 3)).astype("float32")
        model.edge_padding = 0
        expected = model.stylize(small, mean, std).shape
        model.edge_padding = 32
        assert model.stylize(small, mean, std).shape == expected
    with pytest.raises(ValueError, match="multiple of 8"):
        AdaINStyleTransfer(AdaINDecoder(0.125), vgg_weights=None, edge_padding=12)


def test_one_shot_equals_cached_statistics(rng):
    model = _model()
    image = rng.uniform(size=(2, 32, 32, 3)).astype("float32")
    style = rng.uniform(size=(2, 40, 24, 3)).astype("float32")
    alpha = np.array([1.0, 0.5], "float32")
    one_shot = model({"image": image, "style": style, "alpha": alpha}).numpy()
    stats = model.style_statistics(style)
    cached = model.stylize(image, stats["style_mean"], stats["style_std"], alpha).numpy()
    np.testing.assert_allclose(one_shot, cached, atol=1e-6)


def test_blend_and_region_statistics(rng):
    a = {"style_mean": np.zeros((1, 3), "float32"), "style_std": np.ones((1, 3), "float32")}
    b = {
        "style_mean": np.full((1, 3), 4.0, "float32"),
        "style_std": np.full((1, 3), 3.0, "float32"),
    }
    blend = blend_statistics([a, b], [3.0, 1.0])
    np.testing.assert_allclose(blend["style_mean"], 1.0)
    np.testing.assert_allclose(blend["style_std"], 1.5)
    left = np.zeros((16, 16), "float32")
    left[:, :8] = 1
    maps = region_statistics([a, b], [left, 1 - left], (4, 4))
    assert maps["style_mean"].shape == (1, 4, 4, 3)
    np.testing.assert_allclose(maps["style_mean"][0, :, :2], 0.0)
    np.testing.assert_allclose(maps["style_mean"][0, :, 2:], 4.0)


def test_masks_give_each_region_its_style(rng):
    model = _model()
    image = rng.uniform(size=(1, 32, 32, 3)).astype("float32")
    styles = [rng.uniform(size=(1, 32, 32, 3)).astype("float32") * s for s in (0.2, 1.0)]
    stats = [{k: v.numpy() for k, v in model.style_statistics(s).items()} for s in styles]
    everywhere = np.ones((32, 32), "float32")
    maps = region_statistics([stats[0], stats[1]], [everywhere, 0 * everywhere], (4, 4))
    regional = model.stylize(image, maps["style_mean"], maps["style_std"]).numpy()
    single = model.stylize(image, stats[0]["style_mean"], stats[0]["style_std"]).numpy()
    np.testing.assert_allclose(regional, single, atol=1e-5)


def test_train_step_updates_only_the_decoder(rng):
    model = _model()
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    encoder = [w.numpy().copy() for w in model.encoder.weights]
    decoder = [w.numpy().copy() for w in model.decoder.weights]
    batch = {
        "image": rng.uniform(size=(2, 32, 32, 3)).astype("float32"),
        "style": rng.uniform(size=(2, 32, 32, 3)).astype("float32"),
    }
    logs = tf.function(model.train_step)(batch)
    assert np.isfinite(float(logs["loss"])) and float(logs["style"]) > 0
    for w, old in zip(model.encoder.weights, encoder, strict=True):
        np.testing.assert_array_equal(w.numpy(), old)
    assert any(
        np.abs(w.numpy() - old).max() > 0
        for w, old in zip(model.decoder.weights, decoder, strict=True)
    )


def test_style_loss_weighs_layers_as_on_the_normalised_vgg(rng):
    # The paper's encoder is Gatys' normalised VGG (mean activation 1 per filter), where
    # the four layers weigh alike. In the Caffe-scaled backbone's units the default
    # weights must give that loss times relu4_1's squared mean; flat weights (before
    # the fix) left relu1_1 at a 45th of it.
    from tfstyle.losses import mean_std_loss
    from tfstyle.models.adain.adain_style_transfer import (
        ENCODING,
        MEAN_ACTIVATION,
        STYLE_LAYER_WEIGHTS,
    )

    def features(scale):
        return {
            layer: tf.constant(rng.gamma(2.0, mean / 2.0 * scale, (2, 6, 6, 8)), "float32")
            for layer, mean in MEAN_ACTIVATION.items()
        }

    generated, style = features(1.0), features(1.7)
    caffe, _ = mean_std_loss(generated, style, STYLE_LAYER_WEIGHTS)

    def normalised(feats):
        return {layer: f / MEAN_ACTIVATION[layer] for layer, f in feats.items()}

    paper, _ = mean_std_loss(normalised(generated), normalised(style))
    np.testing.assert_allclose(
        float(caffe), MEAN_ACTIVATION[ENCODING] ** 2 * float(paper), rtol=1e-4
    )


def test_train_step_uses_the_style_layer_weights(rng):
    from tfstyle.losses import mean_std_loss

    keras.utils.set_random_seed(3)
    model = AdaINStyleTransfer(
        AdaINDecoder(0.125), vgg_weights=None, style_layer_weights={"block2_conv1": 2.0}
    )
    model.build()
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    batch = {
        "image": rng.uniform(size=(2, 32, 32, 3)).astype("float32"),
        "style": rng.uniform(size=(2, 32, 32, 3)).astype("float32"),
    }
    style_feats = model.encoder(batch["style"])
    stats = model.style_statistics(batch["style"])
    target = model.adain([model.encode(batch["image"]), stats["style_mean"], stats["style_std"]])
    expected, _ = mean_std_loss(
        model.encoder(model.decoder(target)), style_feats, {"block2_conv1": 2.0}
    )
    logs = model.train_step(batch)
    np.testing.assert_allclose(float(logs["style"]), 10.0 * float(expected), rtol=1e-4)
    with pytest.raises(ValueError, match="block9"):
        AdaINStyleTransfer(vgg_weights=None, style_layer_weights={"block9_conv1": 1.0})


def test_decoder_starts_with_outputs_near_the_image_range(rng):
    # The backbone's relu4_1 averages 176 (Caffe scale), the paper's normalised VGG's 1.
    # Read unscaled (before the fix), a new decoder's outputs had a standard deviation
    # of ~34 and the first hundreds of training steps went into shrinking them.
    from tfstyle.models.adain.adain_style_transfer import ENCODING, MEAN_ACTIVATION

    features = rng.gamma(0.5, MEAN_ACTIVATION[ENCODING] / 0.5, (1, 4, 4, 512)).astype("float32")
    keras.utils.set_random_seed(3)
    assert float(np.std(AdaINDecoder(0.125)(features))) < 2.0
    # A decoder saved before the scale existed reads the features as they are.
    config = AdaINDecoder(0.125).get_config()
    del config["input_scale"]
    assert AdaINDecoder.from_config(config).input_scale == 1.0


def test_release_round_trip_needs_no_vgg_download(tmp_path, rng):
    model = _model()
    path = str(tmp_path / "adain.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, compile=False)
    assert loaded.get_config()["vgg_weights"] is None
    inputs = {
        "image": rng.uniform(size=(1, 32, 24, 3)).astype("float32"),
        "style": rng.uniform(size=(1, 16, 16, 3)).astype("float32"),
    }
    np.testing.assert_allclose(loaded(inputs), model(inputs), atol=1e-6)
    assert [e.name for e in loaded.endpoints()] == [
        "serving_default",
        "style_statistics",
        "stylize_with_statistics",
    ]


def test_presets_apply_in_the_library_too():
    from tfstyle.models.adain.train import AdaINTrainConfig

    paper = AdaINTrainConfig(output_dir="x", style_dir="y", preset="paper")
    paper.validate()
    assert paper.lr_decay == 0.0 and paper.style_weight == 10.0
    reference = AdaINTrainConfig(output_dir="x", style_dir="y", style_weight=3.0)
    reference.validate()
    assert reference.lr_decay == 5e-5 and reference.style_weight == 3.0


def test_paper_schedule_and_scale_by_default():
    # Review finding 4 of #10: the paper trains 160k steps on 256 px crops of images
    # resized to 512 px on the shorter side.
    from tfstyle.models.adain.train import PAPER_STEPS, AdaINTrainConfig

    config = AdaINTrainConfig(output_dir="x", style_dir="y")
    config.validate()
    assert config.steps == PAPER_STEPS == 160_000
    assert (config.image_size, config.resize_side) == (256, 512)
    by_epochs = AdaINTrainConfig(output_dir="x", style_dir="y", epochs=1.0, image_size=64)
    by_epochs.validate()
    assert by_epochs.steps is None and by_epochs.resize_side == 128
    with pytest.raises(ValueError, match="resize_side"):
        AdaINTrainConfig(output_dir="x", style_dir="y", resize_side=100).validate()
