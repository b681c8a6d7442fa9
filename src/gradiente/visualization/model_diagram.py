"""``plot_model``: a diagram of a model's layer graph, drawn with matplotlib alone.

Keras hands the graph to Graphviz (pydot and the ``dot`` binary). Here the layout is done
directly: a layer's row is the longest path to it from an input, boxes in a row are
ordered by the mean position of their parents (fewer crossings), arrows join a box's
bottom to its consumer's top. Nested models are one box, or with ``expand_nested`` their
own layers inside a dashed frame.
"""
import numpy as np

from gradiente.visualization import _mpl

_FONT = 8          # points
_CHAR_W = 0.63 * _FONT / 72  # inches per character of the monospace font
_LINE_H = 1.45 * _FONT / 72
_GAP_X, _GAP_Y, _PAD = 0.35, 0.45, 0.08


class _Box:
    def __init__(self, key, layer, lines, group):
        self.key, self.layer, self.lines, self.group = key, layer, lines, group
        self.depth = 0
        self.pos = 0.0


def _fmt_shape(shape):
    if isinstance(shape, list):
        return "[" + ", ".join(_fmt_shape(s) for s in shape) + "]"
    if isinstance(shape, tuple) and shape and all(isinstance(s, tuple) for s in shape):
        return _fmt_shape(list(shape))
    return str(tuple(shape)).replace(",)", ")")


def _shapes(tensors):
    shapes = [t.shape for t in tensors]
    return _fmt_shape(shapes[0] if len(shapes) == 1 else shapes)


def _is_graph_model(layer):
    return getattr(layer, "_plan", None) is not None and getattr(layer, "_nodes_in_order", None)


def _label(layer, nodes, show_shapes, show_names, show_activations, show_dtype, show_trainable):
    from gradiente.layers.input_layer import InputLayer

    kind = type(layer).__name__
    lines = [f"{layer.name} ({kind})" if show_names else kind]
    activation = getattr(layer, "activation", None)
    if show_activations and callable(activation) and not _is_graph_model(layer):
        lines.append(f"activation: {getattr(activation, '__name__', type(activation).__name__)}")
    if show_dtype:
        lines.append(f"dtype: {getattr(layer, 'dtype', '?')}")
    if show_trainable:
        lines.append(f"trainable: {bool(layer.trainable)}")
    if show_shapes and nodes:
        node = nodes[0]
        if isinstance(layer, InputLayer):
            lines.append(f"shape: {_shapes(node.output_tensors)}")
        else:
            lines.append(f"in:  {_shapes(node.input_tensors)}")
            lines.append(f"out: {_shapes(node.output_tensors)}")
    return lines


def model_graph(model, show_shapes=False, show_layer_names=True, show_layer_activations=False,
                expand_nested=False, show_dtype=False, show_trainable=False):
    """The diagram's content without drawing it: ``(boxes, edges, groups)``.

    ``boxes``: {key: _Box with ``.lines`` (its text) and ``.layer``}; ``edges``: a list of
    (source key, target key); ``groups``: {nested model name: [keys of its boxes]}.
    """
    boxes, edges, groups = {}, [], {}
    opts = (show_shapes, show_layer_names, show_layer_activations, show_dtype, show_trainable)

    def entry(layer, position):
        """The box a tensor flowing into ``layer`` (at input ``position``) arrives at."""
        if expand_nested and _is_graph_model(layer):
            return entry(layer.inputs[position]._keras_history[0], 0)
        return id(layer)

    def exit_(layer, tensor_index):
        if expand_nested and _is_graph_model(layer):
            inner = layer.outputs[tensor_index]._keras_history
            return exit_(inner[0], inner[2])
        return id(layer)

    def add(owner, group):
        relevant = owner._network_nodes
        for layer in owner._layers:
            nodes = [n for n in layer._inbound_nodes if id(n) in relevant]
            if expand_nested and _is_graph_model(layer):
                add(layer, layer.name)
                continue
            if id(layer) not in boxes:
                boxes[id(layer)] = _Box(id(layer), layer, _label(layer, nodes, *opts), group)
                if group is not None:
                    groups.setdefault(group, []).append(id(layer))
        for node in owner._nodes_in_order:
            for position, t in enumerate(node.input_tensors):
                source, _, tensor_index = t._keras_history
                edge = (exit_(source, tensor_index), entry(node.layer, position))
                if edge not in edges:
                    edges.append(edge)

    if _is_graph_model(model):
        add(model, None)
    else:
        # An unbuilt Sequential or a subclassed model: its layers in order, no known graph.
        previous = None
        for layer in model.layers:
            boxes[id(layer)] = _Box(id(layer), layer, _label(layer, [], *opts), None)
            if previous is not None and _is_sequential(model):
                edges.append((previous, id(layer)))
            previous = id(layer)
    if not boxes:
        raise ValueError(f"plot_model(): model '{model.name}' has no layers to draw.")
    return boxes, edges, groups


def _is_sequential(model):
    from gradiente.models.sequential import Sequential

    return isinstance(model, Sequential)


def _layout(boxes, edges):
    """Set each box's ``depth`` (longest path from a source) and ``pos`` within its row."""
    parents = {k: [] for k in boxes}
    for src, dst in edges:
        parents[dst].append(src)
    order = list(boxes)
    for _ in range(len(order)):  # longest path; the graph is a DAG, so this settles
        changed = False
        for k in order:
            depth = max((boxes[p].depth + 1 for p in parents[k]), default=0)
            if depth != boxes[k].depth:
                boxes[k].depth, changed = depth, True
        if not changed:
            break
    rows = {}
    for k in order:
        rows.setdefault(boxes[k].depth, []).append(k)
    for depth in sorted(rows):
        row = rows[depth]
        if depth:
            seen = {k: i for i, k in enumerate(row)}
            row.sort(key=lambda k: (np.mean([boxes[p].pos for p in parents[k]]) if parents[k] else 0.0, seen[k]))
        for i, k in enumerate(row):
            boxes[k].pos = i - (len(row) - 1) / 2
    return rows


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=96, layer_range=None, show_layer_activations=False,
               show_trainable=False):
    """Draw ``model``'s layer graph to ``to_file`` (PNG, SVG or PDF, by extension).

    Same arguments as ``keras.utils.plot_model``; no Graphviz needed. ``rankdir``: "TB"
    (top to bottom) or "LR" (left to right). Returns an IPython Image in a notebook (PNG),
    otherwise the path written.
    """
    Figure = _mpl.require("gradiente.utils.plot_model")
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"plot_model(): `rankdir` must be 'TB' or 'LR', received {rankdir!r}.")
    if layer_range is not None:
        raise ValueError("plot_model(): `layer_range` is not supported; plot the whole model "
                         "(or build a sub-model of the part you want to see).")
    if not getattr(model, "built", False):
        raise ValueError(
            f"plot_model(): model '{model.name}' is not built yet, so its graph is unknown. Give "
            "the first layer an input shape (keras.Input(shape=...)) or call the model on data first."
        )
    boxes, edges, groups = model_graph(model, show_shapes, show_layer_names, show_layer_activations,
                                       expand_nested, show_dtype, show_trainable)
    rows = _layout(boxes, edges)
    width = max(len(line) for b in boxes.values() for line in b.lines) * _CHAR_W + 2 * _PAD
    height = max(len(b.lines) for b in boxes.values()) * _LINE_H + 2 * _PAD
    per_row = max(len(r) for r in rows.values())
    step_across, step_down = width + _GAP_X, height + _GAP_Y
    if rankdir == "LR":
        step_across, step_down = height + _GAP_Y, width + _GAP_X
    fig_w = per_row * step_across + _GAP_X
    fig_h = len(rows) * step_down + _GAP_Y
    if rankdir == "LR":
        fig_w, fig_h = len(rows) * step_down + _GAP_X, per_row * step_across + _GAP_Y

    def centre(box):
        if rankdir == "TB":
            return fig_w / 2 + box.pos * step_across, fig_h - _GAP_Y - box.depth * step_down - height / 2
        return _GAP_X + box.depth * step_down + width / 2, fig_h / 2 - box.pos * step_across

    fig = Figure(figsize=(fig_w, fig_h), dpi=dpi)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, fig_w)
    ax.set_ylim(0, fig_h)
    ax.axis("off")
    from matplotlib.patches import FancyBboxPatch, Rectangle

    centres = {k: centre(b) for k, b in boxes.items()}
    for name, keys in groups.items():
        xs = [centres[k][0] for k in keys]
        ys = [centres[k][1] for k in keys]
        x0, x1 = min(xs) - width / 2 - 0.1, max(xs) + width / 2 + 0.1
        y0, y1 = min(ys) - height / 2 - 0.1, max(ys) + height / 2 + 0.22
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ls="--", ec="0.5", lw=0.8))
        ax.text(x0 + 0.05, y1 - 0.04, name, fontsize=_FONT - 1, va="top", color="0.35", family="monospace")
    for k, b in boxes.items():
        cx, cy = centres[k]
        ax.add_patch(FancyBboxPatch((cx - width / 2, cy - height / 2), width, height,
                                    boxstyle="round,pad=0,rounding_size=0.05", fc="#eef3fb", ec="#3a5a8c",
                                    lw=1, gid=f"layer:{b.layer.name}"))
        ax.text(cx, cy, "\n".join(b.lines), ha="center", va="center", fontsize=_FONT, family="monospace",
                linespacing=1.3)
    for src, dst in edges:
        (sx, sy), (dx, dy) = centres[src], centres[dst]
        if rankdir == "TB":
            start, end = (sx, sy - height / 2), (dx, dy + height / 2)
        else:
            start, end = (sx + width / 2, sy), (dx - width / 2, dy)
        ax.annotate("", xy=end, xytext=start,
                    arrowprops=dict(arrowstyle="-|>", color="0.25", lw=1, shrinkA=0, shrinkB=0),
                    gid=f"edge:{boxes[src].layer.name}->{boxes[dst].layer.name}")
    path = str(to_file)
    fig.savefig(path, dpi=dpi)
    if path.lower().endswith(".png"):
        try:
            from IPython import get_ipython
            from IPython.display import Image
        except ImportError:
            return path
        if get_ipython() is not None:
            return Image(filename=path)
    return path
