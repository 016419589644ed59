"""CycleGAN: phases update only their networks; a killed run resumes to the same
weights, optimiser states and pools; the release translates both ways."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import write_image
from tfstyle.errors import InvalidArgumentError
from tfstyle.inference import load_stylizer
from tfstyle.models.cyclegan import CycleGAN
from tfstyle.models.cyclegan.train import CycleGANRecipe, CycleGANTrainConfig
from tfstyle.networks import PatchDiscriminator, ResnetGenerator
from tfstyle.training import driver


def tiny_cyclegan(pool_size=2):
    g = lambda name: ResnetGenerator(filters=4, num_blocks=1, name=name)
    d = lambda name: PatchDiscriminator(16, filters=4, name=name)
    model = CycleGAN(
        g("generator_ab"),
        g("generator_ba"),
        d("discriminator_a"),
        d("discriminator_b"),
        image_size=16,
        pool_size=pool_size,
    )
    model.build()
    return model


def _weights(network):
    return [w.numpy().copy() for w in network.weights]


def _batch(rng):
    return {k: tf.constant(rng.uniform(size=(1, 16, 16, 3)).astype("float32")) for k in "ab"}


@pytest.mark.parametrize("moving", ["generator", "discriminator"])
def test_each_phase_updates_only_its_networks(moving, rng):
    keras.utils.set_random_seed(0)
    model = tiny_cyclegan()
    rates = {"generator": 0.0, "discriminator": 0.0, moving: 0.1}
    model.compile({phase: keras.optimizers.SGD(rate) for phase, rate in rates.items()})
    before = {name: _weights(net) for name, net in model.networks().items()}
    model.train_step(_batch(rng))
    for name, net in model.networks().items():
        changed = any(
            not np.array_equal(a, b) for a, b in zip(_weights(net), before[name], strict=True)
        )
        assert changed == name.startswith(moving), (name, moving)


@pytest.fixture
def domains(tmp_path):
    for domain, count in (("a", 3), ("b", 4)):
        folder = tmp_path / domain
        folder.mkdir()
        for i in range(count):
            write_image(folder / f"{i}.png", np.random.default_rng(10 * i + count), size=(24, 20))
    return str(tmp_path / "a"), str(tmp_path / "b")


def _config(out, domains, steps):
    return CycleGANTrainConfig(
        output_dir=str(out),
        a_dir=domains[0],
        b_dir=domains[1],
        image_size=16,
        steps=steps,
        generator_blocks=1,
        filters=4,
        discriminator_filters=4,
        receptive_field=16,
        pool_size=2,
        checkpoint_every=2,
        sample_every=0,
        mixed_precision="float32",
    )


class Killed(Exception):
    pass


def _state(recipe_holder):
    model = recipe_holder["model"]
    optimizers = [
        v.numpy().copy() for opt, _ in model.optimizer_items().values() for v in opt.variables
    ]
    pools = [v.numpy().copy() for p in (model.pool_a, model.pool_b) for v in p.weights]
    weights = [w.numpy().copy() for net in model.networks().values() for w in net.weights]
    return weights, optimizers, pools


def _run(config, kill_at=None):
    recipe = CycleGANRecipe(config)
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
    return holder


def test_kill_and_resume_matches_an_uninterrupted_run(tmp_path, domains):
    reference = _state(_run(_config(tmp_path / "ref", domains, 5)))
    _run(_config(tmp_path / "run", domains, 5), kill_at=3)  # checkpoint at 2, step 3 lost
    resumed = _state(_run(_config(tmp_path / "run", domains, 5)))
    for got, expected, what in zip(
        resumed, reference, ("weights", "optimizers", "pools"), strict=True
    ):
        assert len(got) == len(expected)
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=what)


def test_release_translates_both_ways(tmp_path, domains, rng):
    out = tmp_path / "run"
    _run(_config(out, domains, 1))
    stylizer = load_stylizer(str(out))
    x = rng.uniform(size=(1, 20, 28, 3)).astype("float32")
    a_to_b, b_to_a = stylizer(x), stylizer.bind("b_to_a")(x)
    assert a_to_b.shape == b_to_a.shape == x.shape
    assert not np.allclose(a_to_b, b_to_a)
    samples = sorted((out / "samples").iterdir())
    assert samples  # rows A, G(A), F(G(A)), B, F(B), G(F(B))
    from PIL import Image

    assert Image.open(samples[-1]).size == (2 * 16, 6 * 16)


def test_eval_every_logs_fid_and_kid_of_translations_against_the_target_domain(tmp_path, domains):
    import dataclasses
    import json

    config = dataclasses.replace(
        _config(tmp_path / "run", domains, 2),
        eval_every=1,
        eval_images=3,
        eval_features="vgg",
        eval_feature_weights=None,
    )
    _run(config)
    lines = [json.loads(x) for x in (tmp_path / "run" / "eval.jsonl").read_text().splitlines()]
    assert [line["step"] for line in lines] == [1, 2]
    assert all(line["fid"] > 0 and np.isfinite(line["kid"]) for line in lines)
    # The generator moved between the evaluations, the real statistics did not.
    assert lines[0]["fid"] != lines[1]["fid"]
    with pytest.raises(InvalidArgumentError, match="eval_features"):
        dataclasses.replace(config, eval_features="alexnet").validate()
