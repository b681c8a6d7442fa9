"""``plot_model``: a diagram of a model's layer graph, drawn with matplotlib alone.

Keras hands the graph to Graphviz (pydot and the ``dot`` binary). Here the layout is done
directly (``diagram_layout``): a layer's row is the longest path to it from an input, and
an arrow that skips rows runs in lanes between the boxes of the rows it passes, so it
never crosses a box. Nested models are one box, or with ``expand_nested`` their
own layers inside a dashed frame.
"""
from gradiente.visualization import _mpl, diagram_layout

_FONT = 8          # points
_CHAR_W = 0.63 * _FONT / 72  # inches per character of the monospace font
_LINE_H = 1.45 * _FONT / 72
_PAD = 0.08


class _Box:
    def __init__(self, key, layer, lines, group):
        self.key, self.layer, self.lines, self.group = key, layer, lines, group


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


def box_size(boxes):
    """(width, height) in inches shared by every box: the longest text line, the most lines."""
    width = max(len(line) for b in boxes.values() for line in b.lines) * _CHAR_W + 2 * _PAD
    height = max(len(b.lines) for b in boxes.values()) * _LINE_H + 2 * _PAD
    return width, height


def model_layout(model, rankdir="TB", show_shapes=False, show_layer_names=True, show_layer_activations=False,
                 expand_nested=False, show_dtype=False, show_trainable=False):
    """``model_graph``'s ``(boxes, edges, groups)`` plus where they go: a
    ``diagram_layout.Layout`` (box rectangles, arrow polylines, figure size, in inches)."""
    boxes, edges, groups = model_graph(model, show_shapes, show_layer_names, show_layer_activations,
                                       expand_nested, show_dtype, show_trainable)
    return boxes, edges, groups, diagram_layout.layout(boxes, edges, *box_size(boxes), rankdir=rankdir)


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
    boxes, edges, groups, placed = model_layout(model, rankdir, show_shapes, show_layer_names,
                                                show_layer_activations, expand_nested, show_dtype, show_trainable)
    fig_w, fig_h = placed.size
    fig = Figure(figsize=(fig_w, fig_h), dpi=dpi)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, fig_w)
    ax.set_ylim(0, fig_h)
    ax.axis("off")
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle
    from matplotlib.path import Path

    for name, keys in groups.items():
        x0 = min(placed.rects[k][0] for k in keys) - 0.1
        y0 = min(placed.rects[k][1] for k in keys) - 0.1
        x1 = max(placed.rects[k][2] for k in keys) + 0.1
        y1 = max(placed.rects[k][3] for k in keys) + 0.22
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ls="--", ec="0.5", lw=0.8))
        ax.text(x0 + 0.05, y1 - 0.04, name, fontsize=_FONT - 1, va="top", color="0.35", family="monospace")
    for k, b in boxes.items():
        x0, y0, x1, y1 = placed.rects[k]
        ax.add_patch(FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0,rounding_size=0.05",
                                    fc="#eef3fb", ec="#3a5a8c", lw=1, gid=f"layer:{b.layer.name}"))
        ax.text((x0 + x1) / 2, (y0 + y1) / 2, "\n".join(b.lines), ha="center", va="center", fontsize=_FONT,
                family="monospace", linespacing=1.3)
    for (src, dst), points in placed.paths.items():
        ax.add_patch(FancyArrowPatch(path=Path(points), arrowstyle="-|>", color="0.25", lw=1,
                                     mutation_scale=8, shrinkA=0, shrinkB=0,
                                     gid=f"edge:{boxes[src].layer.name}->{boxes[dst].layer.name}"))
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
