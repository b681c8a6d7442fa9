"""Model export for inference (``Model.export``), Keras 3's formats by name.

Only ``format="onnx"`` can be written here: Keras's other formats are TensorFlow or PyTorch
artifacts, made by those frameworks' own tooling, which a NumPy library does not have.
"""

# Keras 3's formats, in its order, and what each needs when gradiente cannot write it.
FORMATS = ("tf_saved_model", "onnx", "openvino", "litert", "torch")
_NEEDS = {
    "tf_saved_model": "a TensorFlow SavedModel, written by TensorFlow",
    "openvino": "an OpenVINO model, which Keras converts from a TensorFlow graph",
    "litert": "a LiteRT (TFLite) flatbuffer, written by TensorFlow's converter",
    "torch": "a PyTorch ExportedProgram, which Keras makes only on its PyTorch backend",
}


def export_model(model, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs):
    """``Model.export``: write ``model`` to ``filepath`` in ``format`` (only "onnx" here)."""
    if format not in FORMATS:
        raise ValueError(f"Unrecognized format={format}. Supported formats are: {list(FORMATS)}.")
    if format != "onnx":
        default = " (Model.export's default, as in Keras)" if format == "tf_saved_model" else ""
        raise ValueError(
            f"Model.export(format={format!r}){default} would write {_NEEDS[format]}; gradiente runs "
            "on NumPy without TensorFlow or PyTorch and cannot produce it. Pass format=\"onnx\" to "
            "export an ONNX model, which ONNX Runtime, OpenVINO and TensorRT can load."
        )
    from gradiente.export.onnx import export_onnx

    export_onnx(model, filepath, verbose=verbose, input_signature=input_signature, **kwargs)
