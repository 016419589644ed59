import keras
import numpy as np
import tensorflow as tf

from tfstyle.optimizers import Adam, LinearDecay


def _variables(seed=0):
    rng = np.random.default_rng(seed)
    return [
        keras.Variable(rng.normal(size=shape).astype(np.float32), name=f"w{i}")
        for i, shape in enumerate([(3, 3, 4, 8), (8,), (5,)])
    ]


def _gradients(step):
    rng = np.random.default_rng(100 + step)
    return [
        tf.constant(rng.normal(size=shape).astype(np.float32))
        for shape in [(3, 3, 4, 8), (8,), (5,)]
    ]


def _train(optimizer, variables, steps=4, in_function=True):
    def apply(grads):
        optimizer.apply(grads, variables)

    apply = tf.function(apply) if in_function else apply
    for step in range(steps):
        apply(_gradients(step))
    return [v.numpy() for v in variables]


def _state(optimizer):
    return [v.numpy() for v in optimizer.variables]


def test_fused_update_is_keras_adam_in_one_xla_call():
    schedule = {"learning_rate": LinearDecay(1e-2, 4, 2), "beta_1": 0.5, "weight_decay": 1e-3}
    for in_function, settings in ((True, schedule), (False, schedule), (True, {})):
        ours, theirs = Adam(**settings), keras.optimizers.Adam(**settings)
        fused = _train(ours, _variables(), in_function=in_function)
        plain = _train(theirs, _variables(), in_function=in_function)
        assert len(ours._fused_updates) == 1  # (the fused path ran)
        for a, b in zip(fused, plain, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        for a, b in zip(_state(ours), _state(theirs), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
        assert not np.allclose(fused[0], _variables()[0].numpy())


def _mirrored_steps(optimizer_class, steps=3):
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
        keras.utils.set_random_seed(0)
        layer = keras.layers.Dense(5)
        layer.build((None, 4))
        optimizer = optimizer_class(1e-2)
        optimizer.build(layer.trainable_variables)

    @tf.function
    def step(x):
        def replica_step(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(layer(x) ** 2)
            grads = tape.gradient(loss, layer.trainable_variables)
            optimizer.apply(grads, layer.trainable_variables)

        strategy.run(replica_step, args=(x,))

    for i in range(steps):
        step(tf.fill((2, 4), float(i + 1)))
    return optimizer, [v.numpy() for v in layer.trainable_variables]


def test_under_a_distribution_strategy_the_update_is_keras_own():
    ours, fused = _mirrored_steps(Adam)
    _, plain = _mirrored_steps(keras.optimizers.Adam)
    assert not ours._fused_updates
    for a, b in zip(fused, plain, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_a_checkpoint_of_keras_adam_resumes_in_ours(tmp_path):
    """Runs started before tfstyle's Adam resume with their moments."""
    variables = _variables()
    theirs = keras.optimizers.Adam(1e-2)
    _train(theirs, variables, steps=2)
    path = tf.train.Checkpoint(optimizer=theirs).save(str(tmp_path / "ckpt"))
    ours = Adam(1e-2)
    ours.build(_variables())
    tf.train.Checkpoint(optimizer=ours).restore(path).assert_consumed()
    for a, b in zip(_state(ours), _state(theirs), strict=True):
        np.testing.assert_array_equal(a, b)
