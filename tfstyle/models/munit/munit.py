"""MUNIT: multimodal unsupervised image-to-image translation (Huang, Liu, Belongie &
Kautz, ECCV 2018)."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from tfstyle.backbones import VGGFeatures
from tfstyle.gan import AdversarialModel
from tfstyle.losses.adversarial import discriminator_loss, generator_loss
from tfstyle.losses.reconstruction import code_l1, image_l1, instance_normalized_feature_loss
from tfstyle.models import serving
from tfstyle.models.munit.networks import MUNITAutoEncoder
from tfstyle.networks import MultiScaleDiscriminator

A_TO_B, B_TO_A = "a_to_b", "b_to_a"
STYLE_CODE = "style_code"
CONTENT_CODE = "content_code"
# The perceptual loss's layer: the authors' VGG16 relu5_3 (block5_conv4 of the VGG19
# built from VGG16 weights).
PERCEPTUAL_LAYERS = {"vgg16": "block5_conv3", "vgg19": "block5_conv4"}


def random_style_codes(count, style_dim, seed):
    """`count` style codes drawn from N(0, I), a pure function of `seed` (the prior
    MUNIT samples translations from)."""
    return np.random.default_rng(seed).standard_normal((count, style_dim)).astype(np.float32)


class MUNIT(AdversarialModel):
    """Two domains, each a `MUNITAutoEncoder` (content encoder, style encoder, AdaIN
    decoder) and a `MultiScaleDiscriminator`.

    Translation A -> B keeps A's content code and decodes it with a B style code: one
    drawn from N(0, I) (multimodal outputs) or one encoded from a B image (example-
    guided). The generators' loss (the authors' `gen_update`), with x_ab = G_b(c_a, s_b)
    for a random s_b (and x_ba likewise):

        gan (1) x [LSGAN on x_ba and x_ab, summed over the discriminator's scales]
        + recon_x (10) x |G_a(E_a(x_a)) - x_a|_1 (both domains)
        + recon_s (1) x |E^s_b(x_ab) - s_b|_1 + recon_c (1) x |E^c_b(x_ab) - c_a|_1
        + cycle (10) x |G_a(E^c_b(x_ab), E^s_a(x_a)) - x_a|_1 (the explicit cycle the
          authors advise for example-guided translation; 0 turns it off)
        + perceptual (0) x |IN(VGG(x_ab)) - IN(VGG(x_a))|^2 (relu5_3, optional)

    Then the discriminators' LSGAN step on the same step's translations (detached).
    Images are L1-compared on the [-1, 1] scale, as the authors' code does.

    Batches: {"a", "b": (B, S, S, 3) in [0, 1]; "style_a", "style_b": (B, style_dim)
    random codes}. The codes come with the batch (drawn from the seed and the step), so
    a resumed run and a run over several replicas draw the same ones.

    Args:
        generator_a, generator_b: `MUNITAutoEncoder`s.
        discriminator_a, discriminator_b: `MultiScaleDiscriminator`s (judging A and B).
        image_size: the training crop.
        gan_loss: "lsgan" (the authors'), "bce", "hinge" or "wgan".
        gan_weight, reconstruction_weight, style_weight, content_weight, cycle_weight,
        perceptual_weight: 1, 10, 1, 1, 10, 0.
        architecture, vgg_weights: the perceptual loss's VGG (built only when its
            weight is > 0).
    """

    loss_names = (
        "g_total",
        "g_adv_a",
        "g_adv_b",
        "recon_x",
        "recon_s",
        "recon_c",
        "cycle",
        "perceptual",
        "d_a",
        "d_b",
    )

    def __init__(
        self,
        generator_a=None,
        generator_b=None,
        discriminator_a=None,
        discriminator_b=None,
        image_size=256,
        gan_loss="lsgan",
        gan_weight=1.0,
        reconstruction_weight=10.0,
        style_weight=1.0,
        content_weight=1.0,
        cycle_weight=10.0,
        perceptual_weight=0.0,
        architecture="vgg19",
        vgg_weights="imagenet",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.generator_a = generator_a or MUNITAutoEncoder(name="generator_a")
        self.generator_b = generator_b or MUNITAutoEncoder(name="generator_b")
        self.discriminator_a = discriminator_a or MultiScaleDiscriminator(name="discriminator_a")
        self.discriminator_b = discriminator_b or MultiScaleDiscriminator(name="discriminator_b")
        self.image_size, self.gan_loss = int(image_size), gan_loss
        self.gan_weight = float(gan_weight)
        self.reconstruction_weight = float(reconstruction_weight)
        self.style_weight, self.content_weight = float(style_weight), float(content_weight)
        self.cycle_weight, self.perceptual_weight = float(cycle_weight), float(perceptual_weight)
        self.backbone = None
        if self.perceptual_weight:
            layer = PERCEPTUAL_LAYERS[architecture]
            self.backbone = VGGFeatures([layer], architecture, weights=vgg_weights)
        self.sample_b = None  # (N, H, W, 3) B images for the sample grid

    @property
    def style_dim(self):
        return self.generator_a.style_dim

    def build(self, input_shape=None):
        shape = (None, self.image_size, self.image_size, 3)
        for network in self.networks().values():
            network.build(shape)
        if self.backbone is not None:
            self.backbone.build(shape)
        self.built = True

    def networks(self):
        return {
            "generator_a": self.generator_a,
            "generator_b": self.generator_b,
            "discriminator_a": self.discriminator_a,
            "discriminator_b": self.discriminator_b,
        }

    def phase_variables(self):
        return {
            "generator": self.generator_a.trainable_variables
            + self.generator_b.trainable_variables,
            "discriminator": self.discriminator_a.trainable_variables
            + self.discriminator_b.trainable_variables,
        }

    def call(self, images, training=None):
        """A -> B with the zero style code (the prior's mean)."""
        codes = ops.zeros((ops.shape(images)[0], self.style_dim))
        return self.translate(images, codes, A_TO_B, training=training)

    def translate(self, images, style_codes, direction=A_TO_B, training=None):
        source, target = self._domains(direction)
        content = source.encode_content(images, training=training)
        return target.decode(content, style_codes, training=training)

    def _domains(self, direction):
        if direction == A_TO_B:
            return self.generator_a, self.generator_b
        return self.generator_b, self.generator_a

    def _adversarial(self, discriminator, fake):
        # The authors sum the loss over the scales; `generator_loss` averages them.
        loss, _ = generator_loss(discriminator(fake, training=True), self.gan_loss)
        return loss * discriminator.num_scales

    def _perceptual(self, images, targets):
        layer = self.backbone.layer_names[0]
        return instance_normalized_feature_loss(
            self.backbone(images)[layer], self.backbone(targets)[layer]
        )

    def generator_losses(self, real_a, real_b, style_a, style_b):
        """(total, {term: value}, (x_ba, x_ab)): the generators' objective for one batch
        and the two translations (x_ba in domain A, x_ab in B)."""
        ga, gb = self.generator_a, self.generator_b
        c_a, s_a_own = ga.encode_content(real_a, True), ga.encode_style(real_a, True)
        c_b, s_b_own = gb.encode_content(real_b, True), gb.encode_style(real_b, True)
        recon_a, recon_b = ga.decode(c_a, s_a_own, True), gb.decode(c_b, s_b_own, True)
        x_ba, x_ab = ga.decode(c_b, style_a, True), gb.decode(c_a, style_b, True)
        c_b_again, s_a_again = ga.encode_content(x_ba, True), ga.encode_style(x_ba, True)
        c_a_again, s_b_again = gb.encode_content(x_ab, True), gb.encode_style(x_ab, True)
        terms = {
            "g_adv_a": self._adversarial(self.discriminator_a, x_ba),
            "g_adv_b": self._adversarial(self.discriminator_b, x_ab),
            "recon_x": image_l1(recon_a, real_a) + image_l1(recon_b, real_b),
            "recon_s": code_l1(s_a_again, style_a) + code_l1(s_b_again, style_b),
            "recon_c": code_l1(c_a_again, c_a) + code_l1(c_b_again, c_b),
            "cycle": 0.0,
            "perceptual": 0.0,
        }
        if self.cycle_weight:
            terms["cycle"] = image_l1(ga.decode(c_a_again, s_a_own, True), real_a) + image_l1(
                gb.decode(c_b_again, s_b_own, True), real_b
            )
        if self.perceptual_weight:
            terms["perceptual"] = self._perceptual(x_ba, real_b) + self._perceptual(x_ab, real_a)
        total = (
            self.gan_weight * (terms["g_adv_a"] + terms["g_adv_b"])
            + self.reconstruction_weight * terms["recon_x"]
            + self.style_weight * terms["recon_s"]
            + self.content_weight * terms["recon_c"]
            + self.cycle_weight * terms["cycle"]
            + self.perceptual_weight * terms["perceptual"]
        )
        return total, terms, (x_ba, x_ab)

    def discriminator_losses(self, real_a, real_b, fake_a, fake_b):
        """(total, {"d_a", "d_b"}): LSGAN (or `gan_loss`) of each domain's
        discriminator on real images against the translations, summed over scales."""
        terms = {}
        for name, d, real, fake in (
            ("d_a", self.discriminator_a, real_a, fake_a),
            ("d_b", self.discriminator_b, real_b, fake_b),
        ):
            loss, _ = discriminator_loss(
                d(real, training=True), d(fake, training=True), self.gan_loss
            )
            terms[name] = loss * d.num_scales
        return self.gan_weight * (terms["d_a"] + terms["d_b"]), terms

    def generator_step(self, data):
        """One update of both auto-encoders; returns (terms, detached translations)."""
        with tf.GradientTape() as tape:
            total, terms, fakes = self.generator_losses(
                data["a"], data["b"], data["style_a"], data["style_b"]
            )
        self.update("generator", tape, total)
        return {"g_total": total, **terms}, [tf.stop_gradient(f) for f in fakes]

    def discriminator_step(self, data, fakes):
        """One update of both discriminators on `fakes` = (x_ba, x_ab)."""
        with tf.GradientTape() as tape:
            total, terms = self.discriminator_losses(data["a"], data["b"], *fakes)
        self.update("discriminator", tape, total)
        return terms

    def train_step(self, data):
        terms, fakes = self.generator_step(data)
        terms.update(self.discriminator_step(data, fakes))
        return self.log(terms)

    def render_samples(self, images):
        """Rows: A, its reconstruction, A -> B with two fixed random styles; then (with
        `sample_b`) B, its reconstruction, B -> A with two random styles."""
        n = len(images)
        codes = [tf.constant(random_style_codes(n, self.style_dim, seed)) for seed in (1, 2)]
        rows = [images, self.generator_a(images, training=False)]
        rows += [self.translate(images, c, A_TO_B, training=False) for c in codes]
        if self.sample_b is not None:
            b = tf.constant(self.sample_b[:n])
            rows += [b, self.generator_b(b, training=False)]
            rows += [self.translate(b, c, B_TO_A, training=False) for c in codes]
        return ops.stack([ops.cast(r, "float32") for r in rows])


@keras.saving.register_keras_serializable(package="tfstyle")
class MUNITTranslator(keras.Model):
    """The release network of a MUNIT run: both domains' encoders and decoders.

    `call` (and the main endpoint) translates A -> B given style codes; the endpoints
    (the same names in the SavedModel, the TFLite files and the ONNX files):

        serving_default       image, style_code -> stylized      A -> B
        b_to_a                image, style_code -> stylized      B -> A
        encode_content_{a,b}  image -> content_code
        encode_style_{a,b}    image -> style_code                (for example-guided)
        decode_{a,b}          content_code, style_code -> stylized

    Style codes are (B, style_dim): draw them from N(0, I) (`random_style_codes`) for
    random styles, or take `encode_style_b` of a B image to copy its style.

    Example:
        >>> translator = keras.saving.load_model("runs/munit/generator.keras")
        >>> paintings = translator.translate(photos, random_style_codes(1, 8, seed=0))
        >>> like_ref = translator.translate(photos, translator.encode_style(ref, "b"))
    """

    def __init__(self, generator_a, generator_b, **kwargs):
        super().__init__(**kwargs)
        self.generator_a, self.generator_b = generator_a, generator_b

    @property
    def style_dim(self):
        return self.generator_a.style_dim

    @property
    def size_multiple(self):
        return self.generator_a.size_multiple

    def build(self, input_shape):
        self.generator_a.build(input_shape)
        self.generator_b.build(input_shape)
        self.built = True

    def _domain(self, name):
        return self.generator_a if name == "a" else self.generator_b

    def call(self, images, training=None):
        codes = ops.zeros((ops.shape(images)[0], self.style_dim))
        return self.translate(images, codes)

    def translate(self, images, style_codes, direction=A_TO_B):
        source, target = ("a", "b") if direction == A_TO_B else ("b", "a")
        content = self._domain(source).encode_content(images, training=False)
        return self._domain(target).decode(content, style_codes, training=False)

    def encode_style(self, images, domain):
        return self._domain(domain).encode_style(images, training=False)

    def endpoints(self, fixed_size=None):
        image = serving.image_shape(fixed_size)
        code = (None, self.style_dim)
        h, w = image[1:3]
        m = self.size_multiple
        content = (None, None if h is None else h // m, None if w is None else w // m)
        content += (self.generator_a.content_encoder.channels,)

        def codes_for(images, seed=0):
            return random_style_codes(len(images), self.style_dim, seed)

        def translate_examples(images):
            return [{serving.IMAGE: np.asarray(images, np.float32), STYLE_CODE: codes_for(images)}]

        endpoints = []
        for direction, name in ((A_TO_B, serving.MAIN), (B_TO_A, B_TO_A)):
            endpoints.append(
                serving.Endpoint(
                    name,
                    {serving.IMAGE: image, STYLE_CODE: code},
                    lambda image, style_code, direction=direction: {
                        serving.STYLIZED: self.translate(image, style_code, direction)
                    },
                    translate_examples,
                )
            )
        for domain in ("a", "b"):
            network = self._domain(domain)

            def decode_examples(images, network=network):
                content = network.encode_content(tf.constant(images, tf.float32)).numpy()
                return [{CONTENT_CODE: content, STYLE_CODE: codes_for(images, 1)}]

            image_only = lambda images: [{serving.IMAGE: np.asarray(images, np.float32)}]
            for part, output, encode in (
                ("content", CONTENT_CODE, network.encode_content),
                ("style", STYLE_CODE, network.encode_style),
            ):
                endpoints.append(
                    serving.Endpoint(
                        f"encode_{part}_{domain}",
                        {serving.IMAGE: image},
                        lambda image, output=output, encode=encode: {
                            output: encode(image, training=False)
                        },
                        image_only,
                        image_outputs=(),
                    )
                )
            endpoints += [
                serving.Endpoint(
                    f"decode_{domain}",
                    {CONTENT_CODE: content, STYLE_CODE: code},
                    lambda content_code, style_code, network=network: {
                        serving.STYLIZED: network.decode(content_code, style_code, training=False)
                    },
                    decode_examples,
                ),
            ]
        return endpoints

    def get_config(self):
        return {
            **super().get_config(),
            "generator_a": keras.saving.serialize_keras_object(self.generator_a),
            "generator_b": keras.saving.serialize_keras_object(self.generator_b),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator_a", "generator_b"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
