"""Automatic names, unique per session: ``dense``, ``dense_1``, ... as Keras gives them."""
import re

_counters = {}


def to_snake_case(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(base):
    """``base`` the first time, then ``base_1``, ``base_2``, ..."""
    count = _counters.get(base, 0)
    _counters[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def one_based(base):
    """``base_1``, ``base_2``, ... (tf.keras names inputs ``input_1`` first)."""
    count = _counters.get(base, 0) + 1
    _counters[base] = count
    return f"{base}_{count}"


def auto_name(class_name):
    return uniquify(to_snake_case(class_name))


def reset():
    _counters.clear()
