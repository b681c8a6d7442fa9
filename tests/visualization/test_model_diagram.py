import os

import pytest

import gradiente as keras
from gradiente.visualization.model_diagram import model_graph

L = keras.layers


def _names(boxes, edges):
    return {(boxes[a].layer.name, boxes[b].layer.name) for a, b in edges}


def _two_in_two_out(nested=True):
    a, b = keras.Input((8,), name="a"), keras.Input((4,), name="b")
    x = L.Dense(16, activation="relu", name="da")(a)
    y = L.Dense(16, activation="tanh", name="db")(b)
    z = L.Concatenate(name="cat")([x, y])
    if nested:
        inner = keras.Sequential([L.Input((32,), name="inner_in"), L.Dense(8, name="i1"), L.Dense(4, name="i2")],
                                 name="inner")
        z2 = inner(z)
    else:
        z2 = L.Dense(4, name="i2")(z)
    out1 = L.Dense(1, activation="sigmoid", name="out1")(z2)
    out2 = L.Dense(3, activation="softmax", name="out2")(z)
    return keras.Model([a, b], [out1, out2])


def test_graph_of_branches_merges_and_outputs():
    model = _two_in_two_out()
    boxes, edges, groups = model_graph(model, show_shapes=True, show_layer_activations=True)
    assert _names(boxes, edges) == {("a", "da"), ("b", "db"), ("da", "cat"), ("db", "cat"),
                                    ("cat", "inner"), ("inner", "out1"), ("cat", "out2")}
    labels = {b.layer.name: b.lines for b in boxes.values()}
    assert labels["da"] == ["da (Dense)", "activation: relu", "in:  (None, 8)", "out: (None, 16)"]
    assert labels["cat"][1] == "in:  [(None, 16), (None, 16)]"
    assert labels["a"] == ["a (InputLayer)", "shape: (None, 8)"]
    assert groups == {}


def test_expanded_nested_model():
    boxes, edges, groups = model_graph(_two_in_two_out(), expand_nested=True)
    assert {("cat", "inner_in"), ("inner_in", "i1"), ("i1", "i2"), ("i2", "out1")} <= _names(boxes, edges)
    assert sorted(boxes[k].layer.name for k in groups["inner"]) == ["i1", "i2", "inner_in"]


def test_png_size_and_svg(mpl, tmp_path, png_size):
    model = _two_in_two_out()
    path = keras.utils.plot_model(model, to_file=str(tmp_path / "m.png"), show_shapes=True, dpi=50)
    fig_w, fig_h = png_size(path)
    assert fig_w > 100 and fig_h > fig_w  # five rows, two columns: taller than wide
    lr = keras.utils.plot_model(model, to_file=str(tmp_path / "m_lr.png"), rankdir="LR", dpi=50)
    assert png_size(lr)[0] > png_size(lr)[1]
    svg = keras.utils.plot_model(model, to_file=str(tmp_path / "m.svg"), expand_nested=True)
    with open(svg) as f:
        text = f.read()
    assert "<svg" in text and os.path.getsize(svg) > 1000


def test_sequential_is_a_chain(mpl, tmp_path, png_size):
    model = keras.Sequential([L.Input((4,)), L.Dense(3, name="h"), L.Dense(1, name="o")])
    boxes, edges, _ = model_graph(model)
    assert len(boxes) == 3 and len(edges) == 2
    small = png_size(keras.utils.plot_model(model, to_file=str(tmp_path / "s.png"), dpi=50))
    large = png_size(keras.utils.plot_model(model, to_file=str(tmp_path / "l.png"), dpi=100))
    assert small[1] > small[0]  # three rows of one box
    assert all(abs(b - 2 * a) <= 1 for a, b in zip(small, large))


def test_unbuilt_model_and_bad_arguments(mpl, tmp_path, png_size):
    with pytest.raises(ValueError, match="not built"):
        keras.utils.plot_model(keras.Sequential([L.Dense(2)]), to_file=str(tmp_path / "x.png"))
    model = keras.Sequential([L.Input((4,)), L.Dense(1)])
    with pytest.raises(ValueError, match="rankdir"):
        keras.utils.plot_model(model, to_file=str(tmp_path / "x.png"), rankdir="BT")
