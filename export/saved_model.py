"""SavedModel in TF Serving's layout, with a float signature and an encoded-bytes one."""

import os

import keras
import numpy as np
import tensorflow as tf

from tfstyle.models.serving import network_endpoints

INPUT_NAME = "image"
OUTPUT_NAME = "stylized"


def _pad_multiple(image, multiple=4):
    """Reflect-pads one (H, W, 3) image to multiples of `multiple`; returns it and (H, W)."""
    shape = tf.shape(image)
    h, w = shape[0], shape[1]
    ph, pw = (-h) % multiple, (-w) % multiple
    return tf.pad(image, [[0, ph], [0, pw], [0, 0]], mode="SYMMETRIC"), h, w


def write_saved_model(generator, path, fixed_size=None, with_bytes=True, statistics=True):
    """Exports every endpoint of `generator` (see `tfstyle.models.serving`) as a signature.

    Signatures:
      serving_default: {"image": float32 [batch, H, W, 3], ...extra inputs} ->
          {"stylized": same shape}; H and W dynamic (multiples of 4), or `fixed_size`.
      the network's other endpoints (AdaIN: style_statistics, stylize_with_statistics).
      with `statistics`: image_statistics / with_image_statistics (and those of the
          other image endpoints; `tfstyle.models.serving.network_endpoints`), and
          head / body / tail where the network splits (exact tiles).
      serve_bytes (image-only networks): {"image_bytes": string [batch]} (JPEG/PNG) ->
          {"png_bytes": string [batch]}; any size (padded to a multiple of 4 and
          cropped back inside; `scale` times larger for upscalers).
    """
    archive = keras.export.ExportArchive()
    archive.track(generator)
    endpoints = network_endpoints(generator, fixed_size, statistics)
    for endpoint in endpoints:
        archive.add_endpoint(
            endpoint.name,
            _positional(endpoint),
            input_signature=[
                tf.TensorSpec(shape, tf.float32, name=name)
                for name, shape in endpoint.inputs.items()
            ],
        )
    if with_bytes and endpoints[0].image_only:
        main = endpoints[0].fn
        scale = int(getattr(generator, "scale", 1))  # upscalers: the output is larger

        def one(data):
            image = tf.io.decode_image(data, channels=3, expand_animations=False)
            image = tf.image.convert_image_dtype(image, tf.float32)
            padded, ih, iw = _pad_multiple(image)
            out = main(image=padded[None])[OUTPUT_NAME][0, : ih * scale, : iw * scale]
            return tf.io.encode_png(tf.image.convert_image_dtype(out, tf.uint8, saturate=True))

        def serve_bytes(image_bytes):
            return {"png_bytes": tf.map_fn(one, image_bytes, fn_output_signature=tf.string)}

        archive.add_endpoint(
            "serve_bytes",
            serve_bytes,
            input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")],
        )
    archive.write_out(path, verbose=False)
    return path


def write_bfloat16_saved_model(generator, path, statistics=True):
    """`write_saved_model` of `generator` computing in bfloat16 (float32 weights, inputs
    and outputs), traced inside `tfstyle.ops.fused.fused_kernels`: each instance norm of
    one image as one fused kernel (batches of several images and the statistics
    endpoints keep the plain ops) and mirror padding as slices. The Keras fast path of
    `stylize.py --precision auto`, for TF Serving on CPUs with native bfloat16
    (AVX512_BF16 or AMX; elsewhere bfloat16 is emulated and slow). Warm-up records
    included."""
    from tfstyle.inference.runners import in_bfloat16
    from tfstyle.ops.fused import fused_kernels

    fast = in_bfloat16(generator)
    with fused_kernels():
        write_saved_model(fast, path, statistics=statistics)
    write_warmup(path, fast, statistics=statistics)
    return path


def _positional(endpoint):
    """`endpoint.fn` with positional arguments, in the order of its input signature."""
    names = list(endpoint.inputs)

    def serve(*args):
        return endpoint.fn(**dict(zip(names, args, strict=True)))

    return serve


def write_warmup(path, generator, size=256, statistics=True):
    """TF Serving warm-up records (assets.extra/tf_serving_warmup_requests): one request
    per signature at `size`, so the first real call is fast."""
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

    folder = os.path.join(path, "assets.extra")
    os.makedirs(folder, exist_ok=True)
    image = np.full((1, size, size, 3), 0.5, np.float32)
    endpoints = network_endpoints(generator, statistics=statistics)
    requests = [(endpoint.name, endpoint.examples(image)[0]) for endpoint in endpoints]
    if endpoints[0].image_only:
        png = tf.io.encode_png(tf.cast(image[0] * 255, tf.uint8)).numpy()
        requests.append(("serve_bytes", {"image_bytes": [png]}))
    with tf.io.TFRecordWriter(os.path.join(folder, "tf_serving_warmup_requests")) as writer:
        for signature, inputs in requests:
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(name="tfstyle", signature_name=signature)
            )
            for name, value in inputs.items():
                request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request)
            )
            writer.write(log.SerializeToString())
