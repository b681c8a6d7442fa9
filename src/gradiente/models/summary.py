"""``model.summary()``: the classic tf.keras 2 table, character for character.

Chain-shaped models (Sequential, subclassed, and Functional graphs with one node per depth
and no shared layer) get three columns, 65 wide, starting at 0/29/55; other graphs get a
fourth "Connected to" column, 98 wide, at 0/32/53/65. Every cell is cut to its column (the
character before the next column is always a space) and every row is padded to the width.
"""
from gradiente.layers.input_layer import InputLayer
from gradiente.utils.nest import map_structure


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False):
    """Print ``model``'s summary through ``print_fn`` (default ``print``), one call per line."""
    from gradiente.models.model import Model

    print_fn = print_fn or print
    if not model.built:
        print_fn(model._not_built_message())
        return
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        line_length = line_length or 65
        positions = list(positions or [0.45, 0.85, 1.0])
        headers = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = list(positions or [0.33, 0.55, 0.67, 1.0])
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    if len(positions) != len(headers):
        raise ValueError(
            f"summary(): `positions` needs {len(headers)} column ends for this model "
            f"({', '.join(headers)}), received {len(positions)}."
        )
    if show_trainable:
        line_length += 11
        positions.append(line_length)
        headers.append("Trainable")

    def emit_rows(owner, prefix):
        layers = owner.layers
        relevant = _relevant_nodes(owner)
        rows = []
        for layer in layers:
            rows.append(_layer_rows(layer, relevant, prefix, not sequential_like, show_trainable))
            if expand_nested and isinstance(layer, Model) and layer.built:
                rows.extend(emit_rows(layer, prefix + "| "))
        return rows

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    print_fn(format_row(headers, positions))
    print_fn("=" * line_length)
    rows = emit_rows(model, "")
    for i, layer_rows in enumerate(rows):
        for fields in layer_rows:
            print_fn(format_row(fields, positions))
        print_fn(("=" if i == len(rows) - 1 else "_") * line_length)
    trainable = sum(int(v.size) for v in model.trainable_weights)
    non_trainable = sum(int(v.size) for v in model.non_trainable_weights)
    print_fn(f"Total params: {trainable + non_trainable:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {non_trainable:,}")
    print_fn("_" * line_length)


def format_row(fields, positions):
    """Each field cut at its column end and padded to it; the character before each new
    field becomes a space, so cut cells stay apart."""
    line = ""
    for i, field in enumerate(fields):
        if i > 0:
            line = line[:-1] + " "
        line += str(field)
        line = line[:positions[i]]
        line += " " * (positions[i] - len(line))
    return line


def _layer_rows(layer, relevant, prefix, connections, show_trainable):
    """The row(s) of one layer: extra rows carry further "Connected to" entries."""
    params = layer.count_params() if layer.built else "0 (unused)"
    kind = getattr(layer, "_display_class", None) or type(layer).__name__  # an op: its own
    fields = [f"{prefix}{layer.name} ({kind})", _output_shape(layer, relevant), params]
    extra = []
    if connections:
        inbound = _connections(layer, relevant)
        fields.append(inbound[0] if inbound else "")
        extra = [["", "", "", name] for name in inbound[1:]]
    if show_trainable:
        fields.append("Y" if layer.trainable else "N")
        extra = [row + [""] for row in extra]
    return [fields] + extra


def _relevant_nodes(model):
    """Ids of the model's own layer calls, or None for a subclassed model (no graph)."""
    return getattr(model, "_network_nodes", None) if getattr(model, "_plan", None) is not None else None


def _layer_nodes(layer, relevant):
    return [n for n in layer._inbound_nodes if relevant is not None and id(n) in relevant]


def _output_shape(layer, relevant):
    """``(None, 784)``; an InputLayer's as ``[(None, 8)]``; ``multiple`` when the layer has no
    call in this graph or its calls give different shapes."""
    shapes = []
    for node in _layer_nodes(layer, relevant):
        shape = map_structure(lambda t: t.shape, node.outputs)
        if isinstance(layer, InputLayer):
            shape = [shape]
        if shape not in shapes:
            shapes.append(shape)
    return shapes[0] if len(shapes) == 1 else "multiple"


def _connections(layer, relevant):
    out = []
    for node in _layer_nodes(layer, relevant):
        for t in node.input_tensors:
            inbound, node_index, tensor_index = t._keras_history
            out.append(f"{inbound.name}[{node_index}][{tensor_index}]")
    return out


def _is_sequential_like(model):
    """As tf.keras 2 decides: every depth of the graph holds one call with at most one
    input, and no layer is called twice."""
    from gradiente.models.sequential import Sequential

    if isinstance(model, Sequential) or _relevant_nodes(model) is None:
        return True
    nodes = []
    for depth_nodes in model._nodes_by_depth.values():
        if len(depth_nodes) > 1 or (depth_nodes and len(depth_nodes[0].input_tensors) > 1):
            return False
        nodes.extend(depth_nodes)
    node_ids = {id(n) for n in nodes}
    for layer in model.layers:
        if sum(1 for n in layer._inbound_nodes if id(n) in node_ids) > 1:
            return False
    return True
