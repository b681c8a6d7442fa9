"""fit's input pipeline inside the model: the preprocessing layers a model applies to its
inputs first run eagerly on each batch, and the recorded step replays the rest.

The text and category layers (TextVectorization, StringLookup, IntegerLookup, Hashing,
CategoryEncoding, Discretization) work on strings or in Python, not in primitives, so a
step through them cannot be replayed. But where they only read the model's inputs (the
usual ``Input(dtype="string") -> TextVectorization -> Embedding -> ...``) nothing flows
back through them: they have no weights to train and their inputs are data. Keras's own
advice is to run them in the ``tf.data`` pipeline; here fit does it for the user. Each batch
goes through these layers as in an eager call, and their outputs (integer or float arrays)
become the replayed step's inputs, so the rest of the graph is replayed exactly as for a
model fed those arrays. A preprocessing layer after a trainable layer, or inside a nested
model, is not part of the input pipeline: such a model trains eagerly, as before. evaluate
and predict run eagerly anyway (they replay nothing), so only fit uses this.

Layers join by declaring ``input_pipeline = True`` (a promise: ``call`` is a function of its
inputs and the layer's adapted state, with no trainable weights, losses, masks or random
draws); the check here adds what the graph must satisfy.
"""
from gradiente.autodiff.tensor import Tensor
from gradiente.layers.layer import Layer
from gradiente.models.functional import Functional
from gradiente.models.model import Model
from gradiente.models.sequential import Sequential


class InputPipeline:
    """Splits a Functional model's plan into a prefix of input-pipeline layer calls and the
    rest. ``feed(x)`` runs the prefix on a batch (as the model was called) and returns the
    arrays the rest needs; ``rest(fed, training)`` computes the model's outputs from them.

    ``fed`` holds first the model inputs the rest reads directly (as given: they become
    Tensors inside the traced step, so a cast or reshape of them is recorded), then the
    prefix outputs the rest reads.
    """

    def __init__(self, model, head, rest, raw_inputs, boundary):
        self.model = model
        self.head, self.rest_plan = head, rest
        self.raw_inputs = raw_inputs   # indices of the model inputs the rest reads
        self.boundary = boundary       # slots of the prefix outputs the rest reads
        self.head_inputs = sorted({s for step in head for s in _input_slots(step)} & set(range(len(model.inputs))))
        # The layers the replayed step never sees (with the sublayers they call); a layer the
        # rest also calls (shared) is not among them, so replayable() judges it there.
        in_rest = {id(sub) for step in rest for sub in step[0]._flatten_layers()}
        self.layers = {id(sub): sub for step in head for sub in step[0]._flatten_layers()
                       if id(sub) not in in_rest}

    def feed(self, x):
        model = self.model
        flat = model._flat_call_data(x)
        values = [None] * model._n_slots
        for i in self.head_inputs:
            values[i] = model._prepare_input(i, flat[i])
        model._run_steps(values, self.head, True)
        fed = [flat[i] for i in self.raw_inputs]
        fed += [values[slot].data for slot in self.boundary]
        return fed

    def rest(self, fed, training=None):
        model = self.model
        values = [None] * model._n_slots
        n_raw = len(self.raw_inputs)
        for i, x in zip(self.raw_inputs, fed):
            values[i] = model._prepare_input(i, x)
        for slot, array in zip(self.boundary, fed[n_raw:]):
            values[slot] = Tensor(array)
        model._run_steps(values, self.rest_plan, training)
        return model._pack_outputs(values)


def find(model):
    """The model's InputPipeline, or None when it has no input-pipeline prefix (or is not a
    plain Functional/Sequential graph, whose call could do anything)."""
    if not isinstance(model, Functional) or getattr(model, "_plan", None) is None:
        return None
    if type(model).call not in (Functional.call, Sequential.call) or type(model).__call__ is not Model.__call__:
        return None
    n_inputs = len(model.inputs)
    known = set(range(n_inputs))  # slots the prefix can compute: inputs, prefix outputs
    head, rest = [], []
    for step in model._plan:
        if _pipeline_layer(step[0]) and not step[5] and set(_input_slots(step)) <= known:
            head.append(step)
            known.update(_output_slots(step))
        else:
            rest.append(step)
    if not head:
        return None
    head_outputs = known - set(range(n_inputs))
    needed = {s for step in rest for s in _input_slots(step)} | set(model._output_slots)
    raw_inputs = sorted(needed & set(range(n_inputs)))
    boundary = sorted(needed & head_outputs)
    return InputPipeline(model, head, rest, raw_inputs, boundary)


def _pipeline_layer(layer):
    return (getattr(layer, "input_pipeline", False) and not layer.trainable_weights
            and layer.activity_regularizer is None
            # A mask made by the prefix would be a constant of the recorded step.
            and type(layer).compute_mask is Layer.compute_mask)


def _input_slots(step):
    _, in_slot, template, args, kwargs, tensor_kwargs, _, _ = step
    slots = [in_slot] if template is None else [s for s, _ in template.leaves if s is not None]
    if tensor_kwargs:
        slots += [s for t in (args, kwargs) for s, _ in t.leaves if s is not None]
    return slots


def _output_slots(step):
    out_slot, out_slots = step[6], step[7]
    return [out_slot] if out_slots is None else list(out_slots)

