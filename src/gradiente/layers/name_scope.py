"""Variable paths as Keras 3 writes them: ``<parents>/<layer>/<weight>``.

Keras records, for each layer, the path of the layers around it the first time the layer is
built or called (its *parent path*), and names a weight ``<parent path>/<layer>/<weight>``.
So a sublayer built inside its parent's ``build`` or first ``call`` carries the parent's
name: ``multi_head_attention/query/kernel``, ``lstm/lstm_cell/kernel``,
``bidirectional/forward_lstm/lstm_cell/kernel``, ``sequential/dense/kernel``; a layer first
called in a Functional graph (outside any layer) is just ``dense/kernel``.

``layer_scope(layer)`` is entered around a layer's ``build`` and its first ``call`` (later
calls create no weights, and skipping the scope keeps a call's overhead as it was).
"""

# Full paths of the layers whose build or first call is running, innermost last.
_STACK = []


def current_path():
    """The path of the innermost layer being built or first called ("" outside any)."""
    return _STACK[-1] if _STACK else ""


def parent_path(layer):
    """``layer``'s parent path, fixed the first time it is asked for (as Keras fixes it)."""
    parent = layer.__dict__.get("_parent_path")
    if parent is None:
        parent = layer.__dict__["_parent_path"] = current_path()
    return parent


def layer_path(layer):
    parent = parent_path(layer)
    return f"{parent}/{layer.name}" if parent else layer.name


def weight_path(layer, name):
    """The path of weight ``name`` created now by ``layer``: under its parent path when it
    has one, otherwise under the layers being built around it (a weight made in __init__)."""
    parent = layer.__dict__.get("_parent_path")
    if parent is None:
        parent = current_path()
    return f"{parent}/{layer.name}/{name}" if parent else f"{layer.name}/{name}"


class layer_scope:
    """``with layer_scope(layer):`` weights and sublayers first built inside are under
    ``layer``'s path."""

    __slots__ = ("path",)

    def __init__(self, layer):
        self.path = layer_path(layer)

    def __enter__(self):
        _STACK.append(self.path)
        return self

    def __exit__(self, *exc):
        _STACK.pop()
        return False
