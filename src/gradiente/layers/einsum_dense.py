"""EinsumDense: a dense layer whose product is an einsum equation, with Keras 3's kernel and
bias shapes (read off the equation, the input shape and the partial output shape)."""
import copy
import math
import re

from gradiente import activations, ops
from gradiente.initializers.random_initializers import VarianceScaling
from gradiente.layers import weight_arguments
from gradiente.layers.input_spec import InputSpec
from gradiente.layers.layer import Layer
from gradiente.layers.lora import LoraKernel


def analyze_equation(equation, bias_axes, input_shape, output_shape):
    """Keras's rules: (kernel_shape, bias_shape or None, full_output_shape, input_axes,
    output_axes, (input_spec, kernel_spec, output_spec, left_elided))."""
    plain = equation.replace("...", "0")
    for pattern, left in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", False),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", True),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", False)):
        match = re.match(pattern, plain)
        if match:
            break
    else:
        raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                         "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")
    in_spec, w_spec, out_spec = match.groups()
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(in_spec)
    out = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    out.insert(0, input_shape[0])
    if elided > 0 and left:
        out[1:1] = input_shape[1:elided]
    elif elided > 0:
        out.extend(input_shape[len(input_shape) - elided:])
    offset = elided if left else 0
    in_axis = {c: i + offset for i, c in enumerate(in_spec)}
    out_axis = {c: i + offset for i, c in enumerate(out_spec)}
    if len(out) != len(out_spec) + max(elided, 0):
        raise ValueError(f"EinsumDense: output_shape {tuple(output_shape) if not isinstance(output_shape, int) else output_shape} "
                         f"does not fit the output spec '{out_spec}' of '{equation}' (one size per output "
                         "axis after the batch axis).")
    for c in in_spec:
        if c in out_axis and out[out_axis[c]] is not None and out[out_axis[c]] != input_shape[in_axis[c]]:
            raise ValueError(f"Input shape and output shape do not match at shared dimension '{c}'. "
                             f"Input shape is {input_shape[in_axis[c]]}, and output shape is {out[out_axis[c]]}.")
    for c in out_spec:
        if c not in in_spec and c not in w_spec:
            raise ValueError(f"Dimension '{c}' was specified in the output '{out_spec}' but has no "
                             f"corresponding dim in the input spec '{in_spec}' or weight spec '{w_spec}'")
    kernel, input_axes, output_axes = [], [], []
    for i, c in enumerate(w_spec):
        if c in out_axis:
            kernel.append(out[out_axis[c]])
            output_axes.append(i)
        elif c in in_axis:
            kernel.append(input_shape[in_axis[c]])
            input_axes.append(i)
        else:
            raise ValueError(f"Weight dimension '{c}' did not have a match in either the input spec "
                             f"'{in_spec}' or the output spec '{out_spec}'. For this layer, the weight "
                             "must be fully specified.")
    bias = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError(f"Bias dimension '{c}' was requested, but is not part of the output "
                                 f"spec '{out_spec}'")
        tail = out_spec[min(out_spec.find(c) for c in bias_axes):]
        bias = [out[out_axis[c]] if c in bias_axes else 1 for c in tail]
        if not left:
            bias += [1] * max(elided, 0)
    return kernel, bias, out, input_axes, output_axes, (in_spec, w_spec, out_spec, left)


class EinsumDense(LoraKernel, Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)``.

    ``equation`` is "ab,bc->ac"-like, optionally with "..." on the left of input and output
    (or on the right); ``output_shape`` gives the output's sizes after the batch axis (None
    where the input fixes them); ``bias_axes`` names the output letters the bias spans.
    """
    traceable = True  # call is ops on inputs and weights only: fit may replay it

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(equation, str):
            raise ValueError(f"EinsumDense: `equation` must be a string, received {equation!r}.")
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        (self.kernel_initializer, self.bias_initializer, self.kernel_regularizer,
         self.bias_regularizer, self.kernel_constraint, self.bias_constraint) = weight_arguments.resolve(
            kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            kernel_constraint, bias_constraint)
        self._init_lora(lora_rank, lora_alpha)

    def build(self, input_shape):
        kernel_shape, bias_shape, full, in_axes, out_axes, specs = analyze_equation(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        if any(d is None for d in kernel_shape):
            raise ValueError(f"EinsumDense '{self.name}': the kernel shape {tuple(kernel_shape)} of "
                             f"'{self.equation}' on inputs {tuple(input_shape)} has an unknown size.")
        self.input_spec = InputSpec(ndim=len(input_shape))
        init = self.kernel_initializer
        if isinstance(init, VarianceScaling) and (init.input_axes is None or init.output_axes is None):
            # The fans come from the kernel's input and output axes, as Keras does.
            init = copy.copy(init)
            init.input_axes, init.output_axes = list(in_axes), list(out_axes)
        self._kernel = self.add_weight("kernel", tuple(kernel_shape), initializer=init,
                                       regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight("bias", tuple(bias_shape), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        right_elided = "..." in self.equation and not specs[3]
        self._plan = None if right_elided else _matmul_plan(specs, kernel_shape, bias_shape, self.bias_axes)
        self.built = True
        self._build_lora()

    def call(self, inputs, training=None):
        kernel = self.kernel
        if self._plan is not None:
            # The equation is a matrix product of reshaped operands: one BLAS call.
            x = self._matmul(inputs, kernel)
        else:
            x = ops.einsum(self.equation, inputs, kernel)
            if self.bias is not None:
                x = ops.add(x, self.bias)
        if self.activation is not None and self.activation is not activations.linear:
            x = self.activation(x)
        return x

    def _matmul(self, inputs, kernel):
        n_free, k_in, k_out, new_shape, flat_bias = self._plan
        shape = inputs.shape
        x2 = ops.reshape(inputs, (-1, k_in))
        bias = None
        if self.bias is not None:
            bias = ops.reshape(self.bias, (k_out,)) if flat_bias else None
        y = ops.dense(x2, ops.reshape(kernel, (k_in, k_out)), bias)
        y = ops.reshape(y, tuple(shape[:n_free]) + new_shape)
        if self.bias is not None and not flat_bias:
            y = ops.add(y, self.bias)
        return y

    def compute_output_shape(self, input_shape):
        return tuple(analyze_equation(self.equation, self.bias_axes, input_shape,
                                      self.partial_output_shape)[2])

    def get_config(self):
        config = super().get_config()
        config.update(
            output_shape=self.partial_output_shape,
            equation=self.equation,
            activation=activations.serialize(self.activation),
            bias_axes=self.bias_axes,
            **weight_arguments.to_config(
                self.kernel_initializer, self.bias_initializer, self.kernel_regularizer,
                self.bias_regularizer, self.activity_regularizer, self.kernel_constraint,
                self.bias_constraint),
        )
        return self._lora_config(config)


def _matmul_plan(specs, kernel_shape, bias_shape, bias_axes):
    """When input = free + contracted, kernel = contracted + new and output = free + new
    (letters in order), the einsum is x.reshape(-1, k_in) @
    kernel.reshape(k_in, k_out): returns (number of free input axes incl. batch and elided
    axes, k_in, k_out, new axes' sizes, bias spans exactly the new axes) or None."""
    in_spec, w_spec, out_spec, left = specs
    if len(set(in_spec + w_spec)) != len(set(in_spec)) + len(set(w_spec)) - len(set(in_spec) & set(w_spec)):
        return None
    if len(set(in_spec)) != len(in_spec) or len(set(w_spec)) != len(w_spec):
        return None
    contracted = "".join(c for c in in_spec if c in w_spec and c not in out_spec)
    free = in_spec[:len(in_spec) - len(contracted)]
    new = w_spec[len(contracted):]
    if (not contracted or in_spec != free + contracted or w_spec != contracted + new
            or out_spec != free + new or any(c in in_spec for c in new)):
        return None
    n_contracted = len(contracted)
    k_in = math.prod(kernel_shape[:n_contracted])
    new_shape = tuple(kernel_shape[n_contracted:])
    flat_bias = bias_shape is not None and bias_axes is not None and "".join(bias_axes) == new \
        and out_spec.endswith(new)
    # Every input axis before the contracted ones stays (batch and elided axes included).
    n_free = -n_contracted
    return n_free, k_in, math.prod(new_shape), new_shape, flat_bias
