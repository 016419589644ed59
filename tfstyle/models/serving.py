"""What a feed-forward network offers at inference: named endpoints with named inputs.

Every network that ships (Johnson, conditional instance norm, AdaIN, a generated
MetaNet network) describes its endpoints once, here, and everything downstream uses that
description: the SavedModel signatures, one TFLite / ONNX file per endpoint, the
parity checks of the export, and `tfstyle.inference.load_stylizer`, which calls any
format by the same endpoint and input names.

The first endpoint is the main one, "serving_default": images in, {"stylized": images}
out, plus whatever else the method needs (`style_weights` for N styles, a `style` image
and `alpha` for AdaIN).
"""

import dataclasses
import weakref

import numpy as np

MAIN = "serving_default"
IMAGE = "image"
STYLIZED = "stylized"
NOISE = "z"  # the input of noise-to-image generators (DCGAN), whose output is IMAGE


@dataclasses.dataclass
class Endpoint:
    """One inference entry point of a network.

    Attributes:
        name: signature name ("serving_default" for the main one).
        inputs: {input name: shape} with None for dynamic dimensions; all float32.
        fn: `fn(**inputs)` -> {output name: tensor}; traceable.
        examples: `examples(images)` -> list of input dicts built from a batch of
            (B, H, W, 3) photos in [0, 1]: calibration and parity inputs of the export.
        image_outputs: outputs that are images in [0, 1] (others are features).
        statistics: one of the image-wide statistics endpoints `network_endpoints` adds.
        stages: `Stages` of a network that splits into head, body and tail, or None.
    """

    name: str
    inputs: dict
    fn: object
    examples: object
    image_outputs: tuple = (STYLIZED,)
    statistics: bool = False
    stages: object = None

    @property
    def image_only(self):
        return list(self.inputs) == [IMAGE]


def image_shape(fixed_size=None):
    h, w = fixed_size if fixed_size else (None, None)
    return (None, h, w, 3)


def image_endpoint(model, fixed_size=None, stages=None):
    """The main endpoint of a plain images -> images network."""
    return Endpoint(
        MAIN,
        {IMAGE: image_shape(fixed_size)},
        lambda image: {STYLIZED: model(image, training=False)},
        lambda images: [{IMAGE: np.asarray(images, np.float32)}],
        stages=stages,
    )


def one_hot_rows(count, num_styles):
    """`count` one-hot rows cycling through the styles: example style weights."""
    return np.eye(num_styles, dtype=np.float32)[np.arange(count) % num_styles]


# Image-wide statistics ----------------------------------------------------------------
# Every endpoint that maps an image to a stylised image, in a network that normalises
# with per-image statistics (instance, layer, conditional instance norm, AdaIN), gets
# two more: E_image_statistics (E's inputs -> {"statistics": (B, K)}, every such layer's
# mean and variance in call order) and E_with_image_statistics (E's inputs plus
# "statistics" -> E's outputs, normalised with them). The tiles of a large image then
# share the statistics of the whole (downscaled) image in every format, so no seams
# show; the frames of a clip can share one frame's. The main endpoint's are named
# image_statistics / with_image_statistics.
STATISTICS = "statistics"
_statistics_widths = weakref.WeakKeyDictionary()  # {network: {endpoint: K}}


def statistics_names(endpoint_name):
    """(statistics endpoint, stylise-with-statistics endpoint) of an image endpoint."""
    prefix = "" if endpoint_name == MAIN else f"{endpoint_name}_"
    return f"{prefix}image_statistics", f"{prefix}with_image_statistics"


def network_endpoints(model, fixed_size=None, statistics=True):
    """`model.endpoints(fixed_size)` followed (with `statistics`) by the image-wide
    statistics endpoints of each image -> stylised image endpoint (none for networks
    without per-image normalisation, noise inputs or upscalers). What every export
    format and `tfstyle.inference.load_stylizer` serve."""
    endpoints = list(model.endpoints(fixed_size))
    if not statistics or int(getattr(model, "scale", 1) or 1) != 1:
        return endpoints  # (the tiles of upscalers keep their own statistics)
    derived = []
    for endpoint in endpoints:
        if IMAGE in endpoint.inputs and STYLIZED in endpoint.image_outputs:
            width = _statistics_width(model, endpoint, fixed_size)
            if width:
                derived += _statistics_endpoints(endpoint, width)
            if width and endpoint.stages is not None and fixed_size is None:
                derived += _stage_endpoints(endpoint)
    return endpoints + derived


def _statistics_width(model, endpoint, fixed_size):
    """K: how many statistics one image's pass through `endpoint` records (0 if none)."""
    from tfstyle.layers.normalization import recorded_statistics

    widths = _statistics_widths.setdefault(model, {})
    if endpoint.name not in widths:
        h, w = fixed_size or (64, 64)
        (inputs,) = endpoint.examples(np.full((1, h, w, 3), 0.5, np.float32))[:1]
        with recorded_statistics() as recorded:
            endpoint.fn(**_tensors(inputs))
        flat = recorded.flat()
        widths[endpoint.name] = 0 if flat is None else int(flat.shape[-1])
    return widths[endpoint.name]


def _statistics_endpoints(endpoint, width):
    from tfstyle.layers.normalization import given_statistics, recorded_statistics

    def statistics_fn(**inputs):
        with recorded_statistics() as recorded:
            endpoint.fn(**inputs)
        return {STATISTICS: recorded.flat()}

    def with_statistics_fn(**inputs):
        statistics = inputs.pop(STATISTICS)
        with given_statistics(statistics):
            return endpoint.fn(**inputs)

    def with_statistics_examples(images):
        # The image's own statistics: the calibration and parity inputs reproduce E.
        return [
            {**inputs, STATISTICS: np.asarray(statistics_fn(**_tensors(inputs))[STATISTICS])}
            for inputs in endpoint.examples(images)
        ]

    names = statistics_names(endpoint.name)
    return [
        Endpoint(names[0], dict(endpoint.inputs), statistics_fn, endpoint.examples, (), True),
        Endpoint(
            names[1],
            {**endpoint.inputs, STATISTICS: (None, width)},
            with_statistics_fn,
            with_statistics_examples,
            endpoint.image_outputs,
            True,
        ),
    ]


# Exact tiles ---------------------------------------------------------------------------
# Statistics of a downscaled copy are not those of the image at full size (instance-norm
# statistics change with scale: 20-25 dB tiled against untiled at 2048 px). A network
# whose main endpoint E splits into a head (image -> features at its coarsest
# resolution), a body (features -> features, small enough to run whole) and a tail
# (features -> image) gets three more endpoints, from which `tfstyle.inference.tiling`
# rebuilds the untiled pass exactly, tile by tile, in every format:
#   E_head: E's inputs plus "statistics" (given to every layer) and "region" ((B, 4):
#       top, left, bottom, right as fractions of the input) -> {"features": the head's
#       output, "moments": each layer's own mean and variance inside the region}
#   E_body: E's other inputs plus "features" -> {"body_features"} (the whole map, its
#       own statistics)
#   E_tail: like E_head, from "features" to {"stylized", "moments"}.
# Traced inside `layers.normalization.integer_moments` (full-int8 files exported with
# --int8_exact_tiles), "moments" holds each layer's int64 sums of its rounded input and of
# their squares instead, and a "counts" output the pixels each layer summed.
# (No output is named like an input: tf2onnx loses such inputs.)
# Summed over a partition of the image, the per-region statistics are the whole image's,
# exact one layer deeper with each round (`layers.normalization.measured_statistics`).
FEATURES = "features"
BODY_FEATURES = "body_features"
MOMENTS = "moments"
COUNTS = "counts"  # (B, layers) pixels each layer's integer moments sum over
REGION = "region"
WHOLE = np.array([[0.0, 0.0, 1.0, 1.0]], np.float32)  # the region of a whole image


@dataclasses.dataclass
class Stages:
    """A network's main endpoint as three functions `fn(x, *extra inputs)`: head (images
    -> features), body (features -> features) and tail (features -> images)."""

    head: object
    body: object
    tail: object


def stage_names(endpoint_name):
    """(head, body, tail) endpoints of an image endpoint."""
    prefix = "" if endpoint_name == MAIN else f"{endpoint_name}_"
    return f"{prefix}head", f"{prefix}body", f"{prefix}tail"


def _stage_endpoints(endpoint):
    from keras import ops

    from tfstyle.layers.normalization import measured_statistics, recorded_statistics

    extra = [name for name in endpoint.inputs if name != IMAGE]
    stages = endpoint.stages

    def measured(stage, x, statistics, region, inputs):
        with measured_statistics(statistics, region) as moments:
            out = stage(x, *(inputs[n] for n in extra))
        counts = moments.flat_counts()  # (integer moments only)
        return out, {MOMENTS: moments.flat(), **({} if counts is None else {COUNTS: counts})}

    def head_fn(image, statistics, region, **inputs):
        features, moments = measured(stages.head, image, statistics, region, inputs)
        return {FEATURES: ops.cast(features, "float32"), **moments}

    def body_fn(features, **inputs):
        features = stages.body(features, *(inputs[n] for n in extra))
        return {BODY_FEATURES: ops.cast(features, "float32")}

    def tail_fn(features, statistics, region, **inputs):
        image, moments = measured(stages.tail, features, statistics, region, inputs)
        return {STYLIZED: image, **moments}

    def own(stage, x, inputs):  # (output, recorded statistics) of a stage, eagerly
        with recorded_statistics() as recorded:
            out = stage(ops.convert_to_tensor(x), *_tensors(inputs).values())
        flat = recorded.flat()
        return np.asarray(ops.cast(out, "float32")), None if flat is None else np.asarray(flat)

    def traced(images):  # the main endpoint's inputs and every stage's input, eagerly
        for inputs in endpoint.examples(images):
            others = {n: inputs[n] for n in extra}
            head_out, head_stats = own(stages.head, inputs[IMAGE], others)
            body_out, _ = own(stages.body, head_out, others)
            _, tail_stats = own(stages.tail, body_out, others)
            region = np.repeat(WHOLE, len(head_out), axis=0)
            yield inputs, others, region, (head_out, head_stats), body_out, tail_stats

    def head_examples(images):
        return [
            {IMAGE: i[IMAGE], **o, STATISTICS: hs, REGION: r}
            for i, o, r, (_, hs), _, _ in traced(images)
        ]

    def body_examples(images):
        return [{FEATURES: h, **o} for _, o, _, (h, _), _, _ in traced(images)]

    def tail_examples(images):
        return [
            {FEATURES: b, **o, STATISTICS: ts, REGION: r} for _, o, r, _, b, ts in traced(images)
        ]

    probe = np.full((1, 64, 64, 3), 0.5, np.float32)
    _, _, _, (head_out, head_stats), body_out, tail_stats = next(traced(probe))
    if head_stats is None or tail_stats is None:
        return []  # (batch norm: nothing to share)
    extra_shapes = {n: s for n, s in endpoint.inputs.items() if n != IMAGE}
    head_name, body_name, tail_name = stage_names(endpoint.name)
    given = {REGION: (None, 4)}
    return [
        Endpoint(
            head_name,
            {**endpoint.inputs, STATISTICS: (None, head_stats.shape[-1]), **given},
            head_fn,
            head_examples,
            image_outputs=(),
            statistics=True,
        ),
        Endpoint(
            body_name,
            {FEATURES: (None, None, None, head_out.shape[-1]), **extra_shapes},
            body_fn,
            body_examples,
            image_outputs=(),
            statistics=True,
        ),
        Endpoint(
            tail_name,
            {
                FEATURES: (None, None, None, body_out.shape[-1]),
                **extra_shapes,
                STATISTICS: (None, tail_stats.shape[-1]),
                **given,
            },
            tail_fn,
            tail_examples,
            image_outputs=endpoint.image_outputs,
            statistics=True,
        ),
    ]


def _tensors(inputs):
    from keras import ops

    return {name: ops.convert_to_tensor(value, "float32") for name, value in inputs.items()}
