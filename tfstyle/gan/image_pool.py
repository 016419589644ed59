"""The image pool of Shrivastava et al. (2017) used by CycleGAN's discriminators."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfstyle")
class ImagePool(keras.layers.Layer):
    """A buffer of past generated images shown to a discriminator instead of the newest.

    Until the pool holds `size` images every image is stored and returned as is; after
    that each image is, with probability `swap_probability`, swapped with a random stored
    one (the stored one is returned, the new one takes its place), otherwise returned
    as is (junyanz/pytorch-CycleGAN-and-pix2pix `ImagePool`, size 50, probability 0.5).

    The pool is a `keras.Variable` ring buffer, not a Python list: it is traced into the
    train step, checkpointed with the run (a resume continues with the same pool), and
    works under a tf.distribute strategy (the first replica's pool is kept). Random
    draws are stateless, seeded by `seed` and a draw counter that is checkpointed too.

    Args:
        size: images kept (0 disables the pool).
        swap_probability: the chance that a full pool returns a stored image.
        seed: seed of the draws.

    Example:
        >>> pool = ImagePool(50)
        >>> fake_for_discriminator = pool(generator(photos))
    """

    def __init__(self, size=50, swap_probability=0.5, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.swap_probability = float(swap_probability)
        self.seed = int(seed)

    def build(self, input_shape):
        image_shape = tuple(input_shape[1:])
        if None in image_shape:
            raise ValueError(f"ImagePool needs a static image shape, got {input_shape}")
        state = {"trainable": False, "aggregation": "only_first_replica"}
        self.images = self.add_weight(
            shape=(max(self.size, 1),) + image_shape, initializer="zeros", name="images", **state
        )
        self.count = self.add_weight(
            shape=(), dtype="int32", initializer="zeros", name="count", **state
        )
        self.draws = self.add_weight(
            shape=(), dtype="int32", initializer="zeros", name="draws", **state
        )

    def call(self, images):
        if self.size == 0:
            return images
        images = tf.cast(images, self.images.dtype)
        pool, count, draws = (
            tf.convert_to_tensor(v) for v in (self.images, self.count, self.draws)
        )
        outputs = []
        for i in range(images.shape[0]):
            seed = tf.stack([tf.constant(self.seed, tf.int32), draws + i])
            u = tf.random.stateless_uniform([], seed)
            index = tf.random.stateless_uniform([], seed[::-1], maxval=self.size, dtype=tf.int32)
            full = count >= self.size
            swap = tf.logical_and(full, u < self.swap_probability)
            image = images[i]
            outputs.append(tf.where(swap, pool[index], image))
            slot = tf.where(full, index, count)
            pool = tf.cond(
                tf.logical_or(swap, tf.logical_not(full)),
                lambda pool=pool, slot=slot, image=image: tf.tensor_scatter_nd_update(
                    pool, slot[None, None], image[None]
                ),
                lambda pool=pool: pool,
            )
            count = tf.minimum(count + 1, self.size)
        self.images.assign(pool)
        self.count.assign(count)
        self.draws.assign(draws + images.shape[0])
        return tf.stack(outputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "size": self.size,
            "swap_probability": self.swap_probability,
            "seed": self.seed,
        }
