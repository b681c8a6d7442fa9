"""Layer's losses: weight regularization, activity regularization and ``add_loss``.

A mixin of ``Layer`` (layers/layer.py); ``Layer.__call__`` records the activity penalties.
"""


class LayerLosses:
    """``add_loss`` and the ``losses`` property."""

    def add_loss(self, loss):
        """Add a scalar loss (e.g. a penalty) for training to minimise."""
        self._added_losses.append(loss)

    @property
    def losses(self):
        """Regularization penalties of the weights (recomputed now, so a tape sees them),
        plus activity penalties and added losses of the latest call."""
        from gradiente import ops

        out = []
        trainable = {id(v) for v in self.trainable_weights}
        for layer in self._flatten_layers():
            for v in layer._own_weights + layer._attribute_variables():
                if v.regularizer is not None and id(v) in trainable:
                    out.append(v.regularizer(v))
            out.extend(layer._activity_losses)
            out.extend(layer._added_losses)
        return [ops.convert_to_tensor(x) for x in out]
