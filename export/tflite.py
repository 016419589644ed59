"""TFLite conversion from a SavedModel: float32, float16, dynamic-range int8, full int8."""

import re

import numpy as np
import tensorflow as tf

VARIANTS = ("float32", "float16", "dynamic_int8", "int8")
# Left in float in the full-int8 model: the instance-norm statistics and the residual
# sums (quantising them cost 10-16 dB of PSNR), and the first and last convolutions
# (see `_float_nodes`); the other convolutions, where the time goes, stay int8.
FLOAT_OPS_IN_INT8 = ("MEAN", "SQUARED_DIFFERENCE", "RSQRT", "SUB", "MUL", "ADD", "TANH")
# ... and in the endpoints that take or give statistics (`serving.STATISTICS`,
# `serving.MOMENTS`), the concatenation of every layer's into one vector.
STATISTICS_OPS_IN_INT8 = ("CONCATENATION",)
_NORMALIZATION_SCOPE = re.compile(r"(^|/)norm(_\d+)?/")


def convert(saved_model_dir, variant, representative_inputs=None, signature="serving_default"):
    """Returns the .tflite bytes of one signature as `variant` (builtin ops only, no Flex).

    Args:
        representative_inputs: list of {input name: array} (full int8 calibration).
    """
    converter = tf.lite.TFLiteConverter.from_saved_model(
        saved_model_dir, signature_keys=[signature]
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if variant == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif variant == "dynamic_int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    elif variant == "int8":
        if not representative_inputs:
            raise ValueError("full int8 needs representative inputs")
        converter.optimizations = [tf.lite.Optimize.DEFAULT]

        def representative():
            for inputs in representative_inputs:
                yield {k: np.asarray(v, np.float32) for k, v in inputs.items()}

        converter.representative_dataset = representative
        # Builtins too (not INT8-only), so the denylisted ops can stay float; input and
        # output stay float [0, 1].
        converter.target_spec.supported_ops = [
            tf.lite.OpsSet.TFLITE_BUILTINS_INT8,
            tf.lite.OpsSet.TFLITE_BUILTINS,
        ]
        float_nodes, carries_statistics = _float_nodes(saved_model_dir, signature)
        float_ops = FLOAT_OPS_IN_INT8 + (STATISTICS_OPS_IN_INT8 if carries_statistics else ())
        debugger = tf.lite.experimental.QuantizationDebugger(
            converter=converter,
            debug_dataset=representative,
            debug_options=tf.lite.experimental.QuantizationDebugOptions(
                denylisted_ops=list(float_ops), denylisted_nodes=float_nodes
            ),
        )
        debugger.calibrated_model = _rounded_ranges(debugger.calibrated_model)
        return debugger.get_nondebug_quantized_model()
    elif variant != "float32":
        raise ValueError(f"unknown TFLite variant '{variant}'; choose one of {', '.join(VARIANTS)}")
    return converter.convert()


def _float_nodes(saved_model_dir, signature):
    """(tensors left in float in the full-int8 model, whether the signature takes or
    gives statistics). The tensors: the first and last convolutions' outputs
    (`conv_in`, `conv_out`: the first sees raw pixels, the last sets the output colours;
    quantising them cost ~4 dB, 22.4 -> 26.7 dB on a trained network) and every op of
    the normalisation layers (`norm`), where given statistics are sliced and per-region
    moments summed: quantised to int8, one scale for every layer's means and variances,
    they took exact tiles 15 dB from the untiled pass (22 dB in float). Names come from
    a float conversion of the same SavedModel."""
    from ai_edge_litert.interpreter import Interpreter

    from tfstyle.models import serving

    interpreter = Interpreter(
        model_content=convert(saved_model_dir, "float32", signature=signature)
    )
    names = [d["name"] for d in interpreter.get_tensor_details()]
    edges = [n for n in names if ("conv_in" in n or "conv_out" in n) and "BiasAdd" in n]
    norms = [n for n in names if _NORMALIZATION_SCOPE.search(n)]
    runner = interpreter.get_signature_list()[signature]
    carries = {serving.STATISTICS, serving.MOMENTS} & set(runner["inputs"] + runner["outputs"])
    return edges + norms, bool(carries)


def _rounded_ranges(calibrated):
    """The calibrated model with every tensor's range widened to the next power of
    2**(1/RANGE_STEPS). Files converted apart (the main file and its head / body / tail
    endpoints) see their common tensors' ranges differ in the last float bits, and so
    got int8 scales 1e-6 apart and other roundings (29 dB between the untiled passes);
    rounded, the scales are the same."""
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(calibrated)
    for subgraph in model.subgraphs:
        for tensor in subgraph.tensors:
            quantization = tensor.quantization
            if quantization is None or quantization.min is None or quantization.max is None:
                continue
            quantization.min = [-_round_up(-v) if v < 0 else 0.0 for v in quantization.min]
            quantization.max = [_round_up(v) if v > 0 else 0.0 for v in quantization.max]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


RANGE_STEPS = 16


def _round_up(value):
    """The least power of 2**(1/RANGE_STEPS) not below `value` > 0."""
    return float(2.0 ** (np.ceil(np.log2(value) * RANGE_STEPS) / RANGE_STEPS))


def op_names(tflite_bytes):
    """The operator names used by a .tflite model (to prove there are no Flex ops)."""
    from tensorflow.lite.python import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(tflite_bytes, 0))
    names = set()
    for code in model.operatorCodes:
        builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
        if code.customCode:
            names.add(
                code.customCode.decode() if isinstance(code.customCode, bytes) else code.customCode
            )
        else:
            names.add(_builtin_name(builtin, schema))
    return sorted(names)


def _builtin_name(code, schema):
    for name, value in vars(schema.BuiltinOperator).items():
        if value == code and not name.startswith("_"):
            return name
    return str(code)
