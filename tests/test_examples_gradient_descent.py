"""examples/gradient_descent.py converges to the least-squares solution."""
import importlib.util
import time
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "gradient_descent.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("gradient_descent_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gradient_descent_matches_lstsq():
    example = _load_example()
    start = time.perf_counter()
    w, b = example.main(verbose=False)
    elapsed = time.perf_counter() - start
    X, y = example.make_data()
    design = np.hstack([X, np.ones((len(X), 1))])
    solution, *_ = np.linalg.lstsq(design, y, rcond=None)
    np.testing.assert_allclose(w, solution[:3], atol=1e-4)
    assert abs(float(b) - solution[3]) < 1e-4
    assert w.dtype == np.float64
    assert elapsed < 3.0, f"the example took {elapsed:.1f} s"


def test_example_prints_progress(capsys):
    _load_example().main(steps=51)
    out = capsys.readouterr().out
    assert "step    0" in out and "step   50" in out and "fitted w" in out
