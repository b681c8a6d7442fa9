"""ONNX export tests: export a model, check it with onnx.checker, run it in ONNX Runtime at
two batch sizes and compare with gradiente's predictions."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest

from gradiente.utils.nest import flatten


def _session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # the test machine's cores are shared
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _predict(model, inputs):
    data = inputs[0] if len(inputs) == 1 else list(inputs)
    return [np.asarray(y) for y in flatten(model.predict(data, verbose=0))]


@pytest.fixture
def check_export(tmp_path):
    """check_export(model, *inputs, tol=1e-5) -> the ONNX session. ``inputs`` hold one
    array per model input (batch >= 3); the model also runs on the first sample alone."""
    def check(model, *inputs, tol=1e-5):
        path = tmp_path / f"{model.name}.onnx"
        model.export(path, format="onnx", verbose=False)
        proto = onnx.load(str(path))
        onnx.checker.check_model(proto, full_check=True)
        for graph_input in proto.graph.input:
            assert graph_input.type.tensor_type.shape.dim[0].dim_param == "batch"
        session = _session(path)
        names = [i.name for i in session.get_inputs()]
        assert names == [t._keras_history[0].name for t in model.inputs]
        assert [o.name for o in session.get_outputs()] == list(model.output_names)
        for batch in (inputs, [x[:1] for x in inputs]):
            expected = _predict(model, batch)
            got = session.run(None, dict(zip(names, batch)))
            assert len(got) == len(expected)
            for e, r, declared in zip(expected, got, proto.graph.output):
                assert r.shape == e.shape and r.dtype == e.dtype
                dims = declared.type.tensor_type.shape.dim
                assert len(dims) == r.ndim and dims[0].dim_param == "batch"
                assert all(d.dim_value in (0, n) for d, n in zip(dims[1:], r.shape[1:]))
                scale = max(1.0, float(np.abs(e).max(initial=0.0)))
                np.testing.assert_allclose(r, e, rtol=tol, atol=tol * scale)
        return session
    return check


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def randomize(model, rng, scale=0.5):
    """Give every weight random values (biases and statistics included), so a converter that
    drops or misplaces one changes the result."""
    for w in model.weights:
        if np.dtype(w.dtype).kind != "f":
            continue  # counters such as Normalization's count
        data = rng.normal(0.0, scale, w.shape)
        if "variance" in w.name:
            data = np.abs(data) + 0.5
        w.assign(data.astype(w.dtype))
    return model


@pytest.fixture
def randomized(rng):
    return lambda model, scale=0.5: randomize(model, rng, scale)
