"""The kernel and bias arguments that Dense-like layers share (Dense, EinsumDense, the
attention layers): resolved from Keras's strings once, and written to configs once, in the
form Keras writes them."""
from gradiente import constraints, initializers, regularizers


def optional_config(serialize, value):
    """``serialize(value)``, or None for an argument left unset."""
    return None if value is None else serialize(value)


def constraint_config(constraint):
    return {"class_name": type(constraint).__name__, "config": constraint.get_config()}


def resolve(kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            kernel_constraint, bias_constraint):
    """The six arguments as objects, in the order given."""
    return (initializers.get(kernel_initializer), initializers.get(bias_initializer),
            regularizers.get(kernel_regularizer), regularizers.get(bias_regularizer),
            constraints.get(kernel_constraint), constraints.get(bias_constraint))


def to_config(kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
              activity_regularizer, kernel_constraint, bias_constraint):
    """The config entries for those arguments (and the layer's activity regularizer)."""
    return dict(
        kernel_initializer=initializers.serialize(kernel_initializer),
        bias_initializer=initializers.serialize(bias_initializer),
        kernel_regularizer=optional_config(regularizers.serialize, kernel_regularizer),
        bias_regularizer=optional_config(regularizers.serialize, bias_regularizer),
        activity_regularizer=optional_config(regularizers.serialize, activity_regularizer),
        kernel_constraint=optional_config(constraint_config, kernel_constraint),
        bias_constraint=optional_config(constraint_config, bias_constraint),
    )
