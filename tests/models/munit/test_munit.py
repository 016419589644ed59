"""MUNIT: shapes and serialisation, one MLP slice per AdaIN block, the reconstruction
loss's decode(encode_content(x), encode_style(x)), phases that update only their
networks, exact kill + resume, and the release's translations."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import write_image
from tfstyle.errors import InvalidArgumentError
from tfstyle.inference import load_stylizer
from tfstyle.losses.reconstruction import image_l1
from tfstyle.models.munit import MUNIT, MUNITAutoEncoder, MUNITTranslator, random_style_codes
from tfstyle.models.munit.train import MUNITRecipe, MUNITTrainConfig
from tfstyle.networks import MultiScaleDiscriminator
from tfstyle.training import driver

TINY_NETWORK = {"filters": 4, "num_blocks": 2, "mlp_dim": 8}


def tiny_auto_encoder(name="generator"):
    return MUNITAutoEncoder(**TINY_NETWORK, name=name)


def tiny_munit():
    d = lambda name: MultiScaleDiscriminator(2, 2, 4, name=name)
    model = MUNIT(
        tiny_auto_encoder("generator_a"),
        tiny_auto_encoder("generator_b"),
        d("discriminator_a"),
        d("discriminator_b"),
        image_size=16,
    )
    model.build()
    return model


def _batch(rng, size=16):
    images = {k: rng.uniform(size=(1, size, size, 3)).astype("float32") for k in "ab"}
    codes = {f"style_{k}": rng.standard_normal((1, 8)).astype("float32") for k in "ab"}
    return {k: tf.constant(v) for k, v in {**images, **codes}.items()}


def test_shapes_and_saved_translator_round_trip(tmp_path, rng):
    keras.utils.set_random_seed(0)
    translator = MUNITTranslator(tiny_auto_encoder("a"), tiny_auto_encoder("b"))
    translator.build((None, None, None, 3))
    x = rng.uniform(size=(2, 24, 32, 3)).astype("float32")
    a = translator.generator_a
    content, style = a.encode_content(x), a.encode_style(x)
    assert content.shape == (2, 6, 8, 16) and style.shape == (2, 8)
    assert a.decode(content, style).shape == x.shape
    codes = random_style_codes(2, 8, seed=3)
    out = translator.translate(x, codes, "a_to_b")
    assert out.shape == x.shape and 0.0 <= float(np.min(out)) and float(np.max(out)) <= 1.0
    path = str(tmp_path / "munit.keras")
    translator.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(
        loaded.translate(x, codes, "b_to_a"), translator.translate(x, codes, "b_to_a"), atol=1e-6
    )
    assert {e.name for e in loaded.endpoints()} == {
        "serving_default",
        "b_to_a",
        "encode_content_a",
        "encode_style_a",
        "decode_a",
        "encode_content_b",
        "encode_style_b",
        "decode_b",
    }


def test_each_adain_block_reads_its_own_slice_of_the_mlp_output(rng):
    keras.utils.set_random_seed(0)
    network = MUNITAutoEncoder(filters=4, num_blocks=3, mlp_dim=8)
    network.build((None, 16, 16, 3))
    decoder = network.decoder
    slices = decoder.adain_slices()
    # Contiguous, disjoint, covering the MLP output: 4 x channels per block (two AdaIN
    # layers, a mean and a std each).
    assert slices == [(0, 64), (64, 128), (128, 192)] and decoder.num_adain_params == 192
    seen = []
    for block in decoder.blocks:
        call = block.call
        block.call = lambda inputs, training=None, call=call: (
            seen.append(np.asarray(inputs[1])) or call(inputs, training=training)
        )
    code = rng.standard_normal((1, 8)).astype("float32")
    content = network.encode_content(rng.uniform(size=(1, 16, 16, 3)).astype("float32"))
    decoder([content, code])
    params = np.asarray(decoder.adain_params(code))
    assert len(seen) == 3
    for got, (start, stop) in zip(seen, slices, strict=True):
        np.testing.assert_array_equal(got, params[:, start:stop])
    assert not np.allclose(seen[0], seen[1])  # no two blocks share parameters


def test_image_reconstruction_loss_sees_decode_of_the_images_own_codes(rng):
    keras.utils.set_random_seed(0)
    model = tiny_munit()
    batch = _batch(rng)
    _, terms, _ = model.generator_losses(batch["a"], batch["b"], batch["style_a"], batch["style_b"])
    expected = 0.0
    for network, x in ((model.generator_a, batch["a"]), (model.generator_b, batch["b"])):
        expected += image_l1(network.decode(network.encode_content(x), network.encode_style(x)), x)
        np.testing.assert_allclose(
            network(x), network.decode(network.encode_content(x), network.encode_style(x))
        )
    np.testing.assert_allclose(float(terms["recon_x"]), float(expected), rtol=1e-6)


def test_optional_perceptual_term_compares_instance_normalised_vgg_features(rng):
    keras.utils.set_random_seed(0)
    d = lambda name: MultiScaleDiscriminator(1, 2, 4, name=name)
    model = MUNIT(
        tiny_auto_encoder("generator_a"),
        tiny_auto_encoder("generator_b"),
        d("discriminator_a"),
        d("discriminator_b"),
        image_size=32,
        perceptual_weight=1.0,
        vgg_weights=None,
    )
    model.build()
    batch = _batch(rng, size=32)
    _, terms, (x_ba, x_ab) = model.generator_losses(
        batch["a"], batch["b"], batch["style_a"], batch["style_b"]
    )
    layer = model.backbone.layer_names[0]
    assert layer == "block5_conv4"  # VGG16's relu5_3 in the VGG19 built from VGG16

    def normalized(images):
        f = np.asarray(model.backbone(images)[layer], np.float64)
        mean, var = f.mean(axis=(1, 2), keepdims=True), f.var(axis=(1, 2), keepdims=True)
        return (f - mean) / np.sqrt(var + 1e-5)

    expected = np.mean((normalized(x_ba) - normalized(batch["b"])) ** 2) + np.mean(
        (normalized(x_ab) - normalized(batch["a"])) ** 2
    )
    assert float(terms["perceptual"]) > 0
    np.testing.assert_allclose(float(terms["perceptual"]), expected, rtol=1e-4)


def _weights(network):
    return [w.numpy().copy() for w in network.weights]


@pytest.mark.parametrize("moving", ["generator", "discriminator"])
def test_each_phase_updates_only_its_networks(moving, rng):
    keras.utils.set_random_seed(0)
    model = tiny_munit()
    rates = {"generator": 0.0, "discriminator": 0.0, moving: 0.1}
    model.compile({phase: keras.optimizers.SGD(rate) for phase, rate in rates.items()})
    before = {name: _weights(net) for name, net in model.networks().items()}
    logs = model.train_step(_batch(rng))
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert float(logs["cycle"]) > 0 and float(logs["recon_s"]) > 0
    for name, net in model.networks().items():
        changed = any(
            not np.array_equal(a, b) for a, b in zip(_weights(net), before[name], strict=True)
        )
        assert changed == name.startswith(moving), (name, moving)


@pytest.fixture
def domains(tmp_path):
    for domain, count in (("a", 3), ("b", 2)):
        folder = tmp_path / domain
        folder.mkdir()
        for i in range(count):
            write_image(folder / f"{i}.png", np.random.default_rng(10 * i + count), size=(24, 20))
    return str(tmp_path / "a"), str(tmp_path / "b")


def _config(out, domains, steps):
    return MUNITTrainConfig(
        output_dir=str(out),
        a_dir=domains[0],
        b_dir=domains[1],
        image_size=16,
        steps=steps,
        **TINY_NETWORK,
        discriminator_filters=4,
        discriminator_scales=2,
        discriminator_layers=2,
        checkpoint_every=2,
        sample_every=0,
        mixed_precision="float32",
    )


class Killed(Exception):
    pass


def _run(config, kill_at=None):
    recipe = MUNITRecipe(config)
    holder = {}
    build = recipe.build
    recipe.build = lambda: holder.setdefault("model", build())

    def on_step(state):
        if state.step == kill_at:
            raise Killed  # like SIGKILL: no checkpoint on the way out

    keras.utils.set_random_seed(0)
    try:
        driver.run(recipe, on_step=on_step)
    except Killed:
        pass
    return holder["model"]


def _state(model):
    optimizers = [
        v.numpy().copy() for opt, _ in model.optimizer_items().values() for v in opt.variables
    ]
    weights = [w.numpy().copy() for net in model.networks().values() for w in net.weights]
    return weights, optimizers


def test_batches_carry_style_codes_that_depend_only_on_seed_and_step(tmp_path, domains):
    recipe = MUNITRecipe(_config(tmp_path / "run", domains, 5))
    recipe.validate()
    recipe.prepare()
    fresh = list(recipe.dataset(0).take(4))
    resumed = next(iter(recipe.dataset(3)))
    for key in ("a", "b", "style_a", "style_b"):
        np.testing.assert_array_equal(resumed[key], fresh[3][key])
    assert fresh[0]["style_a"].shape == (1, 8)
    assert not np.allclose(fresh[0]["style_a"], fresh[1]["style_a"])
    assert not np.allclose(fresh[0]["style_a"], fresh[0]["style_b"])


# Three traced runs of the two-domain step (~75 s): with make test-slow. The part
# particular to MUNIT (style codes drawn from seed and step) is checked above; the
# driver's resume of several networks and optimisers by CycleGAN's test.
@pytest.mark.slow
def test_kill_and_resume_matches_an_uninterrupted_run(tmp_path, domains):
    reference = _state(_run(_config(tmp_path / "ref", domains, 5)))
    _run(_config(tmp_path / "run", domains, 5), kill_at=3)  # checkpoint at 2, step 3 lost
    resumed = _state(_run(_config(tmp_path / "run", domains, 5)))
    for got, expected, what in zip(resumed, reference, ("weights", "optimizers"), strict=True):
        assert len(got) == len(expected)
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=what)
    # The release translates both ways, from any style code.
    stylizer = load_stylizer(str(tmp_path / "run"))
    x = np.random.default_rng(0).uniform(size=(1, 20, 28, 3)).astype("float32")
    codes = [random_style_codes(1, 8, seed) for seed in (0, 1)]
    outputs = [
        stylizer.bind(e, style_code=c)(x) for e in ("serving_default", "b_to_a") for c in codes
    ]
    assert all(o.shape == x.shape for o in outputs)
    assert not np.allclose(outputs[0], outputs[1]) and not np.allclose(outputs[0], outputs[2])


def test_settings_are_checked():
    base = {"output_dir": "x", "a_dir": "a", "b_dir": "b"}
    config = MUNITTrainConfig(**base)
    config.validate()
    assert config.steps == 1_000_000 and config.image_size == 256 and config.batch_size == 1
    for bad in (
        {"image_size": 32},  # 3 scales x 4 layers need 64 px
        {"style_dim": 0},
        {"cycle_weight": -1.0},
        {"lr_gamma": 0.0},
        {"b_dir": None},
    ):
        with pytest.raises(InvalidArgumentError):
            dataclasses.replace(MUNITTrainConfig(**base), **bad).validate()
