"""`python -m export metanet`: one style image -> a standalone network in every format.

The meta network runs once (VGG16 on the style image, then the grouped FC heads); the
generated weights fill a `MetaTransformerNet`, which then goes through the ordinary
export pipeline like any one-style network.
"""

import json
import os
import time

import numpy as np

from export.pipeline import FORMATS, MANIFEST, export_model
from tfstyle.errors import OutputExistsError
from tfstyle.inference.runners import ModelError


def load_meta_model(model_path):
    """The MetaNetStyleTransfer of a train_metanet.py run folder or its .keras file."""
    import keras

    from tfstyle.assets import resolve_model
    from tfstyle.inference.runners import detect_model_kind
    from tfstyle.models.families import import_all
    from tfstyle.models.metanet import MetaNetStyleTransfer

    import_all()
    spec, model_path = model_path, resolve_model(model_path)
    kind = detect_model_kind(model_path)
    path = os.path.join(model_path, "generator.keras") if kind == "run" else model_path
    if kind not in ("run", "keras"):
        raise ModelError(f"export metanet needs a train_metanet.py run folder, got a {kind} model")
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as e:  # noqa: BLE001
        raise ModelError(f"cannot load '{path}': {str(e).splitlines()[0][:200]}") from None
    if not isinstance(model, MetaNetStyleTransfer):
        raise ModelError(f"'{spec}' is a {type(model).__name__}, not a MetaNet run")
    return model


def generate(model, style_image, repeats=5):
    """(network, seconds): the generated network and the median time of a warm forward
    pass of VGG16 + meta network that produces its weights."""
    import tensorflow as tf

    style = tf.constant(np.asarray(style_image, np.float32)[None])
    fn = tf.function(model.generate)
    fn(style)  # trace
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        params = [p.numpy() for p in fn(style)]
        times.append(time.perf_counter() - start)
    net = model.generate_network(style)
    net.set_generated(params)
    return net, float(np.median(times))


def export_metanet(
    model_path,
    style,
    output_dir,
    formats=FORMATS,
    overwrite=False,
    on_progress=None,
    statistics=True,
    int8_exact_tiles=False,
):
    """Generates the network for `style` (a bundled name or an image path) and exports
    it to `output_dir` (the layout and options of `export_model`, plus
    generator.keras); returns the manifest with a "metanet" section (generation time,
    parameter count, sizes). The model itself brings the style to the scale it was
    trained at (`STYLE_SIDE`)."""
    from tfstyle.assets import resolve_style
    from tfstyle.io import load_image

    if os.path.exists(output_dir) and os.listdir(output_dir) and not overwrite:
        raise OutputExistsError(
            f"output folder '{output_dir}' is not empty; pass --overwrite to replace it"
        )
    style_path = resolve_style(style)
    # Large paintings are decoded at a reduced size; generate() resizes exactly.
    image = load_image(style_path, max_side=2048)
    model = load_meta_model(model_path)
    net, seconds = generate(model, image)
    manifest = export_model(
        model_path,
        output_dir,
        formats,
        overwrite=True,
        on_progress=on_progress,
        generator=net,
        statistics=statistics,
        int8_exact_tiles=int8_exact_tiles,
    )
    net.save(os.path.join(output_dir, "generator.keras"))
    manifest["metanet"] = {
        "style": os.path.abspath(style_path),
        "generate_seconds": seconds,
        "parameters": int(sum(np.prod(w.shape) for w in net.weights)),
        "generated_parameters": int(sum(net.group_sizes)),
        "preset": net.preset,
    }
    with open(os.path.join(output_dir, MANIFEST), "w") as f:
        json.dump(manifest, f, indent=2)
    return manifest
