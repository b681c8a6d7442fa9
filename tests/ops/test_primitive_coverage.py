"""Fails when a registered primitive has no test.

Each test module in this folder declares ``GRADIENT_CHECKED`` (primitives whose VJP is
compared with finite differences there) and ``NOT_DIFFERENTIABLE`` (primitives without a
VJP whose forward is checked there). A new primitive in any ``gradiente.ops`` module must
appear in one of them.
"""
import importlib
import pkgutil
from pathlib import Path

import gradiente.ops
from gradiente.ops import PRIMITIVES

HERE = Path(__file__).parent


def _declared():
    checked, not_differentiable = set(), set()
    for path in sorted(HERE.glob("test_*.py")):
        if path.stem == Path(__file__).stem:
            continue
        module = importlib.import_module(path.stem)
        checked |= getattr(module, "GRADIENT_CHECKED", set())
        not_differentiable |= getattr(module, "NOT_DIFFERENTIABLE", set())
    return checked, not_differentiable


def _ops_primitives():
    """Every primitive defined in a module of the gradiente.ops package."""
    for info in pkgutil.iter_modules(gradiente.ops.__path__):
        importlib.import_module(f"gradiente.ops.{info.name}")
    return {name: op for name, op in PRIMITIVES.items() if op.forward.__module__.startswith("gradiente.ops.")}


def test_every_primitive_has_a_test():
    checked, not_differentiable = _declared()
    untested = sorted(set(_ops_primitives()) - checked - not_differentiable)
    assert not untested, (
        f"primitives with no test: {untested}. Gradient-check each in tests/ops and add its "
        "name to that module's GRADIENT_CHECKED (or NOT_DIFFERENTIABLE if it has no VJP)."
    )


def test_declarations_match_the_registry():
    checked, not_differentiable = _declared()
    assert checked <= set(PRIMITIVES), sorted(checked - set(PRIMITIVES))
    assert not_differentiable <= set(PRIMITIVES), sorted(not_differentiable - set(PRIMITIVES))
    assert not checked & not_differentiable
    assert all(PRIMITIVES[name].vjp is not None for name in checked)
    assert all(PRIMITIVES[name].vjp is None for name in not_differentiable)
