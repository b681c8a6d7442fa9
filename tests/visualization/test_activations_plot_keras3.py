"""activations.plot draws Keras 3's newer elementwise activations, with their breaks found."""
import numpy as np
import pytest

from gradiente import activations
from gradiente.visualization.activations_plot import activation_curves

BREAKS = {  # name: (jumps, kinks) on the default range (-5, 5)
    "celu": ([], []), "squareplus": ([], []), "tanh_shrink": ([], []), "sparse_plus": ([], []),
    "hard_tanh": ([], [-1.0, 1.0]), "sparse_sigmoid": ([], [-1.0, 1.0]),
    "soft_shrink": ([], [-0.5, 0.5]), "hard_shrink": ([-0.5, 0.5], []),
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_breaks_of_the_newer_activations(name):
    c = activation_curves(name)
    assert (c["jumps"], c["kinks"]) == BREAKS[name]
    np.testing.assert_allclose(c["y"], activations.get(name)(c["x"]).numpy())


def test_every_elementwise_builtin_can_be_drawn():
    for name in sorted(activations.ALL):
        if name in ("softmax", "log_softmax", "sparsemax", "glu"):
            with pytest.raises(ValueError, match="not an elementwise"):
                activation_curves(name)
        else:
            assert np.all(np.isfinite(activation_curves(name, points=101)["dy"])), name


def test_threshold_is_drawn_at_stated_arguments():
    c = activation_curves("threshold")
    assert c["name"] == "threshold(threshold=0, default_value=-1)"
    assert c["jumps"] == [0.0]
    np.testing.assert_allclose(c["y"], np.where(c["x"] > 0, c["x"], -1.0))


def test_new_activations_in_a_figure(mpl):
    fig = activations.plot(["hard_tanh", "sparse_plus", "threshold", "squareplus"])
    gids = {line.get_gid() for ax in fig.axes for line in ax.lines}
    assert {"derivative:hard_tanh", "derivative:sparse_plus", "derivative:squareplus"} <= gids
