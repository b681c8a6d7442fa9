"""The lecture's code run through a real Jupyter kernel: what a student's notebook shows."""
import re

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

CELLS = [
    """import numpy as np
import gradiente as keras
rng = np.random.default_rng(0)
x = rng.normal(size=(256, 8)).astype("float32")
y = (x[:, 0] + x[:, 1] > 0).astype("int64")""",
    """model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(2, activation="softmax")], name="lecture")
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()""",
    "model",
    "history = model.fit(x, y, epochs=3, batch_size=32, validation_split=0.25)",
    "keras.utils.plot_history(history)",
    'keras.activations.plot(["relu", "sigmoid"])',
    'keras.utils.plot_model(model, to_file="model.png", show_shapes=True)',
]


def screen(text):
    """Stream text as a cell shows it: each line keeps what follows its last carriage return."""
    return [line.rsplit("\r", 1)[-1] for line in text.split("\n") if line.rsplit("\r", 1)[-1]]


def run_notebook(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    client = nbclient.NotebookClient(nb, timeout=60, startup_timeout=60, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    # jupyter_client runs the "python3" kernel with this interpreter, where gradiente is.
    km = client.km = client.create_kernel_manager()
    try:
        client.start_new_kernel(cwd=str(tmp_path))
        client.start_new_kernel_client()
    except Exception as error:  # no kernel here (sandbox, no sockets): nothing to test
        if km.has_kernel:
            km.shutdown_kernel(now=True)
        pytest.skip(f"a Jupyter kernel could not start: {error!r}")
    try:
        client.execute()  # shuts the kernel down when it is done
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    return nb


def test_lecture_notebook_outputs(tmp_path):
    nb = run_notebook(tmp_path)
    outputs = [cell.outputs for cell in nb.cells]
    for cell_outputs in outputs:
        assert not [o for o in cell_outputs if o.output_type == "error"], cell_outputs

    def stream(i):
        return "".join(o.text for o in outputs[i] if o.output_type == "stream" and o.name == "stdout")

    def data(i):
        return [o.data for o in outputs[i] if o.output_type in ("execute_result", "display_data")]

    summary = stream(1)
    assert 'Model: "lecture"' in summary and "dense (Dense)" in summary
    assert "Total params: 178" in summary
    html = data(2)[0]["text/html"]
    assert "<table" in html and "Total params: 178" in html
    lines = screen(stream(3))
    bars = [line for line in lines if re.match(r"^\d+/6 \[=+\] - \d+s \d+(us|ms|s)/step - loss: ", line)]
    assert [line for line in lines if line.startswith("Epoch")] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert len(bars) == 3 and all(line.startswith("6/6 ") and "val_accuracy" in line for line in bars), lines
    for i in (4, 5, 6):
        assert [d for d in data(i) if "image/png" in d], (CELLS[i], outputs[i])
