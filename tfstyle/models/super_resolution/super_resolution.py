"""Super-resolution training models: one upscaler trained on a per-pixel or a
perceptual loss (Johnson et al.'s SR, SRResNet), and SRGAN (Ledig et al., CVPR 2017)."""

import tensorflow as tf
from keras import ops

from tfstyle.backbones import VGGFeatures, resolve_layer_name
from tfstyle.errors import InvalidArgumentError
from tfstyle.gan import AdversarialModel
from tfstyle.losses import content_loss, discriminator_loss, generator_loss, total_variation_loss
from tfstyle.ops.resize import bicubic_upscale

LOSSES = ("pixel", "perceptual")
# SRGAN rescales VGG feature maps by 1/12.75 "to obtain VGG losses of a scale comparable
# to the MSE loss" (features of the Caffe VGG, inputs 0..255: tfstyle's scale).
SRGAN_FEATURE_SCALE = 1.0 / 12.75


class SuperResolution(AdversarialModel):
    """An upscaler G trained on (LR, HR) pairs with one optimiser (the "generator" phase).

    loss "pixel": mean squared error to the HR image (SRResNet; Johnson's per-pixel
    baseline). loss "perceptual": feature reconstruction `1/(CHW) ||phi(G(x)) - phi(y)||^2`
    at `content_layer` of the frozen VGG (Johnson: relu2_2), features multiplied by
    `feature_scale` first, plus `tv_weight` x total variation. The pixel MSE is logged
    either way (and its PSNR).

    Batches are {"lr": (B, p/s, p/s, 3), "hr": (B, p, p, 3)} in [0, 1].

    Args:
        generator: an `Upscaler` (JohnsonSRNet, SRResNet).
        loss: "pixel" or "perceptual".
        content_layer, feature_scale, content_weight, tv_weight: the perceptual loss.
        architecture, vgg_weights: the loss network (perceptual only).
    """

    def __init__(
        self,
        generator,
        loss="pixel",
        content_layer="relu2_2",
        feature_scale=1.0,
        content_weight=1.0,
        tv_weight=0.0,
        architecture="vgg19",
        vgg_weights="imagenet",
        **kwargs,
    ):
        if loss not in LOSSES:
            raise InvalidArgumentError(f"--loss must be one of {', '.join(LOSSES)}, got '{loss}'")
        self.loss_names = self.term_names(loss)
        super().__init__(**kwargs)
        self.generator, self.loss = generator, loss
        self.scale = generator.scale
        self.feature_scale, self.content_weight = float(feature_scale), float(content_weight)
        self.tv_weight = float(tv_weight)
        self.content_layer = resolve_layer_name(content_layer, architecture)
        self.backbone = None
        if loss == "perceptual":
            self.backbone = VGGFeatures([self.content_layer], architecture, weights=vgg_weights)
        self.sample_targets = None  # (N, H, W, 3) HR images of the sample inputs

    @classmethod
    def term_names(cls, loss):
        return ("loss", "mse", "psnr") + (("feature", "tv") if loss == "perceptual" else ())

    def build(self, input_shape=None):
        self.generator.build((None, None, None, 3))
        self.built = True

    def call(self, images, training=None):
        return self.generator(images, training=training)

    def networks(self):
        return {"generator": self.generator}

    def phase_variables(self):
        return {"generator": self.generator.trainable_variables}

    def content_terms(self, sr, hr):
        """(total, terms) of the reconstruction objective of G's outputs `sr`."""
        mse = ops.mean(ops.square(ops.cast(sr, "float32") - hr))
        terms = {"mse": mse, "psnr": -10.0 * ops.log(ops.maximum(mse, 1e-10)) / ops.log(10.0)}
        if self.loss == "pixel":
            return mse, terms
        layer = [self.content_layer]
        fake = self.backbone(sr, layers=layer)[self.content_layer]
        real = self.backbone(hr, layers=layer)[self.content_layer]
        s = self.feature_scale
        terms["feature"] = content_loss(
            ops.cast(fake, "float32") * s, ops.cast(real, "float32") * s
        )
        total = self.content_weight * terms["feature"]
        if self.tv_weight:
            terms["tv"] = total_variation_loss(sr)
            total = total + self.tv_weight * terms["tv"]
        else:
            terms["tv"] = ops.zeros(())
        return total, terms

    def train_step(self, data):
        lr, hr = data["lr"], data["hr"]
        with tf.GradientTape() as tape:
            sr = self.generator(lr, training=True)
            total, terms = self.content_terms(sr, hr)
        self.update("generator", tape, total)
        return self.log({"loss": total, **terms})

    def render_samples(self, images):
        """Rows: bicubic, the network's output, and (with `sample_targets`) the HR image."""
        rows = [bicubic_upscale(images, self.scale), self.generator(images, training=False)]
        if self.sample_targets is not None:
            rows.append(tf.constant(self.sample_targets[: len(images)]))
        return ops.stack([ops.clip(ops.cast(r, "float32"), 0.0, 1.0) for r in rows])


class SRGAN(SuperResolution):
    """SRGAN: an SRResNet generator against the paper's discriminator. G's loss is the
    VGG54 content loss (relu5_4 features / 12.75, MSE) plus `adversarial_weight` (1e-3)
    x the non-saturating GAN loss; D learns real HR vs G(LR). One `train_step`, two
    phases with their own Adam: the discriminator's step, then the generator's.

    Args:
        discriminator: an `SRGANDiscriminator` (built for the HR patch size).
        image_size: the HR patch side (96 in the paper).
        gan_loss: "bce" (the paper's), "lsgan", "hinge" or "wgan".
        adversarial_weight: 1e-3.
        Others as `SuperResolution` (loss "perceptual", content_layer "relu5_4",
        feature_scale 1/12.75 by default).
    """

    def __init__(
        self,
        generator,
        discriminator,
        image_size=96,
        gan_loss="bce",
        adversarial_weight=1e-3,
        content_layer="relu5_4",
        feature_scale=SRGAN_FEATURE_SCALE,
        loss="perceptual",
        **kwargs,
    ):
        super().__init__(
            generator, loss=loss, content_layer=content_layer, feature_scale=feature_scale, **kwargs
        )
        self.discriminator = discriminator
        self.image_size, self.gan_loss = int(image_size), gan_loss
        self.adversarial_weight = float(adversarial_weight)

    @classmethod
    def term_names(cls, loss):
        return super().term_names(loss) + ("g_adv", "d_real", "d_fake")

    def build(self, input_shape=None):
        super().build()
        self.discriminator.build((None, self.image_size, self.image_size, 3))
        self.built = True

    def networks(self):
        return {"generator": self.generator, "discriminator": self.discriminator}

    def phase_variables(self):
        return {
            "discriminator": self.discriminator.trainable_variables,
            "generator": self.generator.trainable_variables,
        }

    def train_step(self, data):
        lr, hr = data["lr"], data["hr"]
        with tf.GradientTape() as g_tape:
            sr = self.generator(lr, training=True)
        with tf.GradientTape() as d_tape:
            d_total, d_terms = discriminator_loss(
                self.discriminator(hr, training=True),
                self.discriminator(tf.stop_gradient(sr), training=True),
                self.gan_loss,
            )
        self.update("discriminator", d_tape, d_total)
        with g_tape:
            content, terms = self.content_terms(sr, hr)
            adversarial, _ = generator_loss(self.discriminator(sr, training=True), self.gan_loss)
            total = content + self.adversarial_weight * adversarial
        self.update("generator", g_tape, total)
        return self.log(
            {
                "loss": total,
                **terms,
                "g_adv": adversarial,
                "d_real": d_terms["real"],
                "d_fake": d_terms["fake"],
            }
        )
