"""SavedModel in TF Serving's layout, with a float signature and an encoded-bytes one."""

import os

import keras
import numpy as np
import tensorflow as tf

INPUT_NAME = "image"
OUTPUT_NAME = "stylized"


def _pad_multiple(image, multiple=4):
    """Reflect-pads one (H, W, 3) image to multiples of `multiple`; returns it and (H, W)."""
    shape = tf.shape(image)
    h, w = shape[0], shape[1]
    ph, pw = (-h) % multiple, (-w) % multiple
    return tf.pad(image, [[0, ph], [0, pw], [0, 0]], mode="SYMMETRIC"), h, w


def write_saved_model(generator, path, fixed_size=None, with_bytes=True):
    """Exports `generator` (images [0, 1] -> images [0, 1]) as a SavedModel.

    Signatures:
      serving_default: {"image": float32 [batch, H, W, 3]} -> {"stylized": same shape};
          H and W dynamic (multiples of 4), or `fixed_size` for fixed-shape variants.
      serve_bytes: {"image_bytes": string [batch]} (JPEG/PNG) -> {"png_bytes": string [batch]};
          any size (padded to a multiple of 4 and cropped back inside).
    """
    h, w = fixed_size if fixed_size else (None, None)
    archive = keras.export.ExportArchive()
    archive.track(generator)

    def serve(image):
        return {OUTPUT_NAME: generator(image, training=False)}

    archive.add_endpoint(
        "serving_default",
        serve,
        input_signature=[tf.TensorSpec([None, h, w, 3], tf.float32, name=INPUT_NAME)],
    )
    if with_bytes:

        def one(data):
            image = tf.io.decode_image(data, channels=3, expand_animations=False)
            image = tf.image.convert_image_dtype(image, tf.float32)
            padded, ih, iw = _pad_multiple(image)
            out = generator(padded[None], training=False)[0, :ih, :iw]
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


def write_warmup(path, size=256):
    """TF Serving warm-up records (assets.extra/tf_serving_warmup_requests): one float
    request at `size` and one encoded-bytes request, so the first real call is fast."""
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

    folder = os.path.join(path, "assets.extra")
    os.makedirs(folder, exist_ok=True)
    image = np.full((1, size, size, 3), 0.5, np.float32)
    png = tf.io.encode_png(tf.cast(image[0] * 255, tf.uint8)).numpy()
    with tf.io.TFRecordWriter(os.path.join(folder, "tf_serving_warmup_requests")) as writer:
        for signature, name, tensor in (
            ("serving_default", INPUT_NAME, tf.make_tensor_proto(image)),
            ("serve_bytes", "image_bytes", tf.make_tensor_proto([png])),
        ):
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(name="tfstyle", signature_name=signature)
            )
            request.inputs[name].CopyFrom(tensor)
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request)
            )
            writer.write(log.SerializeToString())
