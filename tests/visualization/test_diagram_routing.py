"""plot_model's arrows never run through a box (issue 18): checked on the geometry itself.

For every arrow's polyline and every box, each segment is clipped against the box grown by a
small margin; only the arrow's first segment may touch its source box and only its last may
touch its target box, and only at the ends of the arrow.
"""
import random

import pytest

import gradiente as keras
from gradiente.visualization.diagram_layout import Layout, layout
from gradiente.visualization.model_diagram import model_layout

L = keras.layers
MARGIN = 0.03  # inches: an arrow passing closer than this to a box would look like touching it


def segment_hits_rect(p, q, rect, margin=MARGIN):
    """Whether segment p-q meets ``rect`` (x0, y0, x1, y1) grown by ``margin`` (Liang-Barsky)."""
    x0, y0, x1, y1 = rect[0] - margin, rect[1] - margin, rect[2] + margin, rect[3] + margin
    (px, py), (qx, qy) = p, q
    dx, dy = qx - px, qy - py
    low, high = 0.0, 1.0
    for step, room in ((-dx, px - x0), (dx, x1 - px), (-dy, py - y0), (dy, y1 - py)):
        if step == 0:
            if room < 0:
                return False
            continue
        t = room / step
        if step < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return True


def test_segment_test_sees_crossings_and_misses():
    box = (1.0, 1.0, 2.0, 2.0)
    assert segment_hits_rect((1.5, 0.0), (1.5, 3.0), box)         # straight through
    assert segment_hits_rect((0.0, 0.0), (3.0, 3.0), box)         # diagonal through
    assert segment_hits_rect((0.0, 1.5), (0.99, 1.5), box)        # stops within the margin
    assert not segment_hits_rect((0.0, 1.5), (0.9, 1.5), box)     # stops short
    assert not segment_hits_rect((2.1, 0.0), (2.1, 3.0), box)     # passes beside
    assert not segment_hits_rect((0.0, 2.5), (2.5, 3.5), box)     # passes above


def assert_no_arrow_crosses_a_box(placed, rankdir="TB"):
    rects = placed.rects
    keys = list(rects)
    for i, a in enumerate(keys):  # boxes apart from each other
        for b in keys[i + 1:]:
            ra, rb = rects[a], rects[b]
            assert ra[2] <= rb[0] or rb[2] <= ra[0] or ra[3] <= rb[1] or rb[3] <= ra[1], (a, b)
    for (src, dst), points in placed.paths.items():
        assert len(points) >= 2
        # The arrow starts on the source's outgoing side and ends on the target's incoming one.
        (sx, sy), (tx, ty) = points[0], points[-1]
        if rankdir == "TB":
            assert sy == pytest.approx(rects[src][1]) and rects[src][0] < sx < rects[src][2]
            assert ty == pytest.approx(rects[dst][3]) and rects[dst][0] < tx < rects[dst][2]
        else:
            assert sx == pytest.approx(rects[src][2]) and rects[src][1] < sy < rects[src][3]
            assert tx == pytest.approx(rects[dst][0]) and rects[dst][1] < ty < rects[dst][3]
        segments = list(zip(points, points[1:]))
        for n, (p, q) in enumerate(segments):
            for key, rect in rects.items():
                if (key == src and n == 0) or (key == dst and n == len(segments) - 1):
                    continue
                assert not segment_hits_rect(p, q, rect), f"edge {src}->{dst}, segment {n} {p}->{q} crosses {key}"


def wide_and_deep():
    inputs = keras.Input((8,), name="input")
    hidden1 = L.Dense(30, activation="relu", name="hidden1")(inputs)
    hidden2 = L.Dense(30, activation="relu", name="hidden2")(hidden1)
    concat = L.concatenate([inputs, hidden2], name="concat")
    return keras.Model(inputs, L.Dense(1, name="output")(concat))


def resnet_block():
    x = keras.Input((8, 8, 4), name="x")
    y = L.Conv2D(4, 3, padding="same", activation="relu", name="conv1")(x)
    y = L.Conv2D(4, 3, padding="same", name="conv2")(y)
    return keras.Model(x, L.Activation("relu", name="relu")(L.Add(name="add")([x, y])))


def two_branches():
    inputs = keras.Input((16,), name="in")
    a = L.Dense(8, name="a1")(inputs)
    a = L.Dense(8, name="a2")(a)
    a = L.Dense(8, name="a3")(a)
    b = L.Dense(8, name="b1")(inputs)
    return keras.Model(inputs, L.Dense(2, name="out")(L.concatenate([a, b, inputs], name="merge")))


def stacked_residuals():
    x = keras.Input((8, 8, 4), name="x")
    y = x
    for i in range(3):
        z = L.Conv2D(4, 3, padding="same", activation="relu", name=f"c{i}a")(y)
        z = L.Conv2D(4, 3, padding="same", name=f"c{i}b")(z)
        y = L.Add(name=f"add{i}")([y, z])
    return keras.Model(x, L.Add(name="final")([y, L.Dense(4, name="long_skip")(x)]))


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
@pytest.mark.parametrize("show_shapes", [False, True])
@pytest.mark.parametrize("build", [wide_and_deep, resnet_block, two_branches, stacked_residuals])
def test_model_arrows_run_around_boxes(build, show_shapes, rankdir):
    boxes, edges, _, placed = model_layout(build(), rankdir=rankdir, show_shapes=show_shapes)
    assert set(placed.paths) == set(edges) and set(placed.rects) == set(boxes)
    assert_no_arrow_crosses_a_box(placed, rankdir)


def test_wide_and_deep_skip_edge_goes_beside_the_hidden_layers():
    boxes, _, _, placed = model_layout(wide_and_deep(), show_shapes=True)
    key = {b.layer.name: k for k, b in boxes.items()}
    points = placed.paths[key["input"], key["concat"]]
    assert len(points) > 2  # bent around, not the straight line of old
    hidden = [placed.rects[key[name]] for name in ("hidden1", "hidden2")]
    low, high = min(r[1] for r in hidden) - 0.15, max(r[3] for r in hidden) + 0.15
    beside = [x for x, y in points if low <= y <= high]  # where it passes the hidden rows
    assert len(beside) >= 2
    assert all(x > max(r[2] for r in hidden) for x in beside) or all(x < min(r[0] for r in hidden) for x in beside)


def random_dag(rng, size):
    keys = [f"n{i}" for i in range(size)]
    edges = set()
    for j in range(1, size):
        for i in rng.sample(range(j), k=min(j, rng.choice([1, 1, 2, 3]))):
            edges.add((keys[i], keys[j]))
    return keys, sorted(edges, key=lambda e: (keys.index(e[1]), keys.index(e[0])))


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_random_graphs_arrows_run_around_boxes(rankdir):
    rng = random.Random(0)
    for _ in range(25):
        keys, edges = random_dag(rng, rng.randint(2, 24))
        placed = layout(keys, edges, box_w=rng.uniform(0.8, 3.0), box_h=rng.uniform(0.3, 0.9), rankdir=rankdir)
        assert_no_arrow_crosses_a_box(placed, rankdir)
        width, height = placed.size
        for x0, y0, x1, y1 in placed.rects.values():
            assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height


def test_figure_fits_the_layout(mpl, tmp_path, png_size):
    path = keras.utils.plot_model(stacked_residuals(), to_file=str(tmp_path / "r.png"), show_shapes=True, dpi=50)
    _, _, _, placed = model_layout(stacked_residuals(), show_shapes=True)
    width, height = png_size(path)
    assert abs(width - placed.size[0] * 50) <= 1 and abs(height - placed.size[1] * 50) <= 1


def test_the_check_catches_a_straight_skip_arrow():
    # The drawing before lanes: every arrow straight from the source's bottom centre to the
    # target's top centre. In the wide & deep model the skip arrow then runs through the
    # hidden layers, and the check must say so.
    _, _, _, placed = model_layout(wide_and_deep(), show_shapes=True)
    centred = {k: (0.0, r[1], r[2] - r[0], r[3]) for k, r in placed.rects.items()}  # one column, as before
    straight = {(s, d): [(centred[s][2] / 2, centred[s][1]), (centred[d][2] / 2, centred[d][3])] for s, d in placed.paths}
    with pytest.raises(AssertionError, match="crosses"):
        assert_no_arrow_crosses_a_box(Layout(centred, straight, placed.size))
