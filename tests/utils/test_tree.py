"""keras.tree: which types are nodes, the order leaves come in, how structures are rebuilt and
the errors for structures that do not match (Keras 3's tree_test states the same facts)."""
import time
import warnings
from collections import OrderedDict, defaultdict, deque, namedtuple

import numpy as np
import pytest

import gradiente as keras
from gradiente import tree

Pair = namedtuple("Pair", ["first", "second"])
LookAlike = namedtuple("LookAlike", ["first", "second"])
Nothing = namedtuple("Nothing", [])


def factory():
    return "missing"


def same(a, b):
    """Equal, and of the same types all the way down (dict key order included for OrderedDict)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b) if isinstance(a, OrderedDict) else set(a) == set(b)
        if isinstance(a, defaultdict):
            assert a.default_factory is b.default_factory
        for key in a:
            same(a[key], b[key])
    elif isinstance(a, (list, tuple, deque)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


MIXED = (
    {"y": [2, 3], "x": (1,)},
    Pair(second=5, first=4),
    deque([6]),
    OrderedDict([("z", 7), ("a", 8)]),
    defaultdict(factory, [("n", 10), ("m", 9)]),
    np.array([11]),
    None,
)


def test_the_namespace_is_exported():
    assert keras.tree is tree
    for name in ("is_nested", "traverse", "flatten", "flatten_with_path", "map_structure",
                 "map_structure_up_to", "assert_same_structure", "assert_same_paths",
                 "pack_sequence_as", "lists_to_tuples", "map_shape_structure", "MAP_TO_NONE"):
        assert callable(getattr(tree, name))


@pytest.mark.parametrize("leaf", [1, "text", b"bytes", bytearray(b"ab"), np.ones((2, 3)), {1, 2}, None,
                                  keras.ops.ones((2,))])
def test_leaves_are_not_nested(leaf):
    assert not tree.is_nested(leaf)
    flat = tree.flatten(leaf)
    assert len(flat) == 1 and flat[0] is leaf


@pytest.mark.parametrize("node", [(), [1], deque([1, 2]), Nothing(), Pair(1, 2), {}, {"a": 1},
                                  OrderedDict(a=1), defaultdict(factory), time.gmtime(0)])
def test_containers_are_nested(node):
    assert tree.is_nested(node)


def test_subclasses_of_list_and_dict_are_leaves_as_in_keras():
    # optree (Keras 3's tree backend) only walks the types it knows by exact type.
    class Row(list):
        pass

    class Record(dict):
        pass

    assert not tree.is_nested(Row([1])) and not tree.is_nested(Record(a=1))
    assert tree.flatten([Row([1, 2]), Record(a=3)]) == [Row([1, 2]), Record(a=3)]


def test_flatten_order():
    # Dicts and defaultdicts by sorted key, an OrderedDict by its own order, namedtuples by field.
    leaves = tree.flatten(MIXED)
    assert leaves[:10] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    np.testing.assert_array_equal(leaves[10], [11])
    assert leaves[11] is None and len(leaves) == 12
    assert tree.flatten({100: "world", 6: "hello"}) == ["hello", "world"]
    assert tree.flatten([[1, 2, 3], [4, [5], [[6]]]]) == [1, 2, 3, 4, 5, 6]
    assert tree.flatten([(), [], {}]) == []


def test_flatten_with_path():
    assert tree.flatten_with_path(7) == [((), 7)]
    assert tree.flatten_with_path([]) == []
    assert tree.flatten_with_path([{"foo": 42}]) == [((0, "foo"), 42)]
    paths = [path for path, _ in tree.flatten_with_path(MIXED)]
    assert paths == [(0, "x", 0), (0, "y", 0), (0, "y", 1), (1, 0), (1, 1), (2, 0), (3, "z"),
                     (3, "a"), (4, "m"), (4, "n"), (5,), (6,)]


def test_pack_sequence_as_inverts_flatten_and_keeps_every_type():
    same(tree.pack_sequence_as(MIXED, tree.flatten(MIXED)), MIXED)
    same(tree.pack_sequence_as(10, [1]), 1)
    same(tree.pack_sequence_as(Pair(second=20, first=10), [1, 2]), Pair(1, 2))
    same(tree.pack_sequence_as(Nothing(), []), Nothing())
    packed = tree.pack_sequence_as({"b": 0, "a": 0}, [1, 2])
    assert packed == {"a": 1, "b": 2} and list(packed) == ["b", "a"]  # original key order kept
    same(tree.pack_sequence_as(OrderedDict([("b", 0), ("a", 0)]), [2, 1]), OrderedDict([("b", 2), ("a", 1)]))
    rebuilt = tree.pack_sequence_as(deque([0, 0], maxlen=5), [1, 2])
    assert rebuilt == deque([1, 2]) and rebuilt.maxlen == 5
    assert type(tree.pack_sequence_as(time.gmtime(0), list(range(9)))) is time.struct_time


def test_pack_sequence_as_errors():
    with pytest.raises(TypeError, match="iterable"):
        tree.pack_sequence_as([10, 20], 1)
    with pytest.raises(ValueError, match="Too few leaves.*expected: 1, got: 0"):
        tree.pack_sequence_as(10, [])
    with pytest.raises(ValueError, match="Too many leaves.*expected: 1, got: 2"):
        tree.pack_sequence_as(10, [1, 2])
    with pytest.raises(ValueError, match="Too few leaves.*expected: 2, got: 1"):
        tree.pack_sequence_as([10, 20], [1])
    with pytest.raises(ValueError, match="Too many leaves.*expected: 2, got: 3"):
        tree.pack_sequence_as([10, 20], [1, 2, 3])


def add_ten(x):
    return x + 10 if isinstance(x, int) else None


def add(x, y):
    return x + y if isinstance(x, int) and isinstance(y, int) else None


def test_map_structure_on_one_structure():
    assert tree.map_structure(add_ten, 1) == 11
    same(tree.map_structure(add_ten, MIXED), (
        {"y": [12, 13], "x": (11,)}, Pair(14, 15), deque([16]),
        OrderedDict([("z", 17), ("a", 18)]), defaultdict(factory, [("n", 20), ("m", 19)]), None, None,
    ))
    assert tree.map_structure(lambda v: v ** 2, [[1], [2], [3]]) == [[1], [4], [9]]


def test_map_structure_none_is_leaf():
    seen = []
    assert tree.map_structure(lambda x: seen.append(x) or 0, [None, 1]) == [0, 0]
    assert seen == [None, 1]
    assert tree.map_structure(lambda x: x * 2, [None, 1], none_is_leaf=False) == [None, 2]
    assert tree.map_structure(lambda x: 5, None, none_is_leaf=False) is None
    assert tree.map_structure(add, [None, 1], [None, 2], none_is_leaf=False) == [None, 3]
    with pytest.raises(ValueError, match="Expected None"):
        tree.map_structure(add, [None, 1], [3, 2], none_is_leaf=False)


def test_map_structure_on_several_structures():
    doubled = tree.map_structure(lambda *xs: xs, MIXED, MIXED)
    assert tree.flatten(doubled)[:2] == [1, 1]
    same(tree.map_structure(add, Pair(1, 2), Pair(10, 20)), Pair(11, 22))
    # dict, OrderedDict and defaultdict match by key; the first structure gives the type and order.
    same(tree.map_structure(add, {"a": 1, "b": 2}, OrderedDict([("b", 20), ("a", 10)])), {"a": 11, "b": 22})
    same(tree.map_structure(add, OrderedDict([("b", 2), ("a", 1)]), {"a": 10, "b": 20}),
         OrderedDict([("b", 22), ("a", 11)]))
    same(tree.map_structure(add, defaultdict(factory, a=1), OrderedDict(a=10)), defaultdict(factory, a=11))


@pytest.mark.parametrize("first, second, message", [
    ((), [], "Expected an instance of tuple"),
    ((), deque(), "Expected an instance of tuple"),
    ((), Nothing(), "Expected an instance of tuple"),
    ([], deque(), "Expected an instance of list"),
    ([], Nothing(), "Expected an instance of list"),
    (deque(), Nothing(), "Expected an instance of collections.deque"),
    (Pair(1, 2), LookAlike(1, 2), "namedtuple type mismatch.*Pair"),
    ((1, 2), (1,), "tuple arity mismatch; expected: 2, got: 1"),
    ([1, 2], [1], "list arity mismatch"),
    (deque([1, 2]), deque([1]), "deque arity mismatch"),
    ({"a": 1, "b": 2}, {"a": 1}, r"dictionary key mismatch.*missing key\(s\): \['b'\]"),
    ({"a": 1}, {"b": 1}, r"dictionary key mismatch.*extra key\(s\): \['b'\]"),
    (OrderedDict(a=1, b=2), OrderedDict(a=1), "dictionary key mismatch"),
    ({}, [], "Expected an instance of dict"),
    ((), 1, "Expected an instance of tuple, got 1"),
    (Pair(1, 2), 1, "Expected an instance of namedtuple.*Pair"),
    (1, (), "don't have the same nested structure"),
    ([1], [[2]], "don't have the same nested structure"),
    (time.gmtime(0), tuple(time.gmtime(0)), "Expected an instance of structseq"),
])
def test_mismatched_structures_raise(first, second, message):
    with pytest.raises(ValueError, match=message):
        tree.map_structure(add, first, second)
    with pytest.raises(ValueError, match=message):
        tree.assert_same_structure(first, second)


def test_map_structure_argument_errors():
    with pytest.raises(TypeError, match="callable"):
        tree.map_structure("bad", [1, 2])
    with pytest.raises(ValueError, match="at least one structure"):
        tree.map_structure(add_ten)


def test_assert_same_structure_accepts_matching_structures():
    tree.assert_same_structure(1, 10)
    tree.assert_same_structure(MIXED, tree.map_structure(lambda x: "leaf", MIXED))
    tree.assert_same_structure(Pair(first=2, second=1), Pair(10, 20))
    tree.assert_same_structure(OrderedDict([("b", 1), ("a", 2)]), OrderedDict([("a", 1), ("b", 2)]))
    tree.assert_same_structure(defaultdict(factory, a=1), {"a": 2})
    tree.assert_same_structure(np.ones(3), None)  # two leaves


def test_assert_same_structure_check_types_is_deprecated():
    for flag in (True, False):
        with pytest.warns(DeprecationWarning, match="deprecated"):
            tree.assert_same_structure([1], [2], check_types=flag)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tree.assert_same_structure([1], [2])


def test_assert_same_paths_ignores_sequence_types():
    tree.assert_same_paths([0, 1], (2, 3))
    tree.assert_same_paths(Pair(0, 1), LookAlike(2, 3))
    tree.assert_same_paths(deque([1, 2]), (3, 4))
    tree.assert_same_paths({"b": None, "a": None}, OrderedDict([("a", 1), ("b", 2)]))
    with pytest.raises(ValueError, match="don't have the same paths(.|\n)*missing in `b`"):
        tree.assert_same_paths((1, 2), (1,))
    with pytest.raises(ValueError, match="Paths in `b` missing in `a`:\n{\\('b',\\)}"):
        tree.assert_same_paths({"a": 1}, {"a": 1, "b": 2})


def test_map_structure_up_to():
    shallow = LookAlike(first=2, second=3)
    deep = LookAlike(first=Pair(1, 2), second=Pair(2, 3))
    out = tree.map_structure_up_to(shallow, lambda a, b: (a + b.first) * b.second, shallow, deep)
    same(out, LookAlike(6, 15))
    names = ["evens", ["odds", "primes"]]
    data = [[2, 4, 6, 8], [[1, 3, 5, 7, 9], [3, 5, 7]]]
    assert tree.map_structure_up_to(names, lambda n, s: f"{n}:{len(s)}", names, data) == [
        "evens:4", ["odds:5", "primes:3"]]
    # Keras's documented example: None in the shallow structure marks a leaf position.
    assert tree.map_structure_up_to([None, None], len, [[1, 1], [2, 2]]) == [2, 2]
    assert tree.map_structure_up_to([None, [None, None]], str, [[1, 1], [2, 2]]) == ["[1, 1]", ["2", "2"]]
    with pytest.raises(ValueError, match="Expected an instance of tuple"):
        tree.map_structure_up_to((1, 2), len, [[1], [2]])
    with pytest.raises(ValueError, match="list arity mismatch"):
        tree.map_structure_up_to([1, 2], len, [[1]])
    with pytest.raises(TypeError, match="callable"):
        tree.map_structure_up_to([1], "len", [[1]])
    with pytest.raises(ValueError, match="at least one structure"):
        tree.map_structure_up_to([1], len)


class Recorder:
    def __init__(self, func):
        self.func, self.seen = func, []

    def __call__(self, x):
        self.seen.append(x)
        return self.func(x)


def test_traverse_top_down_visits_parents_first():
    visit = Recorder(lambda x: None if tree.is_nested(x) else x + 10)
    assert tree.traverse(visit, [(1, 2), [3], {"b": 5, "a": 4}]) == [(11, 12), [13], {"a": 14, "b": 15}]
    assert visit.seen == [[(1, 2), [3], {"a": 4, "b": 5}], (1, 2), 1, 2, [3], 3, {"a": 4, "b": 5}, 4, 5]
    same(tree.traverse(visit, Pair(second=2, first=1)), Pair(11, 12))
    assert tree.traverse(visit, 1) == 11
    # A non-None answer replaces the sub-tree, which is then not entered.
    visit = Recorder(lambda x: "X" if isinstance(x, tuple) else None)
    assert tree.traverse(visit, [(1, [2]), [3, (4, 5)]]) == ["X", [3, "X"]]
    assert visit.seen == [[(1, [2]), [3, (4, 5)]], (1, [2]), [3, (4, 5)], 3, (4, 5)]
    assert tree.traverse(lambda x: tree.MAP_TO_NONE if isinstance(x, tuple) else None,
                         [(1, [2]), [3, (4, 5)]]) == [None, [3, None]]


def test_traverse_bottom_up_visits_children_first():
    visit = Recorder(lambda x: None if tree.is_nested(x) else x + 10)
    assert tree.traverse(visit, [(1, 2), {"b": 4, "a": 3}], top_down=False) == [(11, 12), {"a": 13, "b": 14}]
    assert visit.seen == [1, 2, (11, 12), 3, 4, {"a": 13, "b": 14}, [(11, 12), {"a": 13, "b": 14}]]
    same(tree.traverse(visit, OrderedDict([("b", 2), ("a", 1)]), top_down=False),
         OrderedDict([("b", 12), ("a", 11)]))
    visit = Recorder(lambda x: tree.MAP_TO_NONE if isinstance(x, tuple) else None)
    assert tree.traverse(visit, [(1, [2]), [3]], top_down=False) == [None, [3]]
    assert visit.seen == [1, 2, [2], (1, [2]), 3, [3], [None, [3]]]
    with pytest.raises(TypeError, match="callable"):
        tree.traverse("bad", [1, 2], top_down=False)


def test_lists_to_tuples():
    same(tree.lists_to_tuples([1, 2, 3]), (1, 2, 3))
    same(tree.lists_to_tuples([[1], [2, 3]]), ((1,), (2, 3)))
    same(tree.lists_to_tuples(({"b": [2, 3], "a": (1,)}, Pair([4], 5))), ({"b": (2, 3), "a": (1,)}, Pair((4,), 5)))


def test_map_shape_structure_passes_shape_tuples_whole():
    visit = Recorder(lambda x: tuple(x) + (10,) if isinstance(x, (tuple, list)) else None)
    assert tree.map_shape_structure(visit, (1, 2, 3)) == (1, 2, 3, 10)
    visit.seen.clear()
    out = tree.map_shape_structure(visit, {"a": [1, 2, None], "b": (5,), "c": "hi", "d": [(None,), [2.5]]})
    assert out == {"a": (1, 2, None, 10), "b": (5, 10), "c": None, "d": [(None, 10), [None]]}
    assert visit.seen == [[1, 2, None], (5,), "hi", (None,), 2.5]


def test_internal_callers_keep_namedtuples_and_key_order():
    # The gradient of a namedtuple of variables comes back as that namedtuple, as in Keras.
    weights = Pair(keras.Variable(np.float32(2.0)), keras.Variable(np.float32(3.0)))
    with keras.GradientTape() as tape:
        loss = weights.first * weights.second
    grads = tape.gradient(loss, weights)
    assert type(grads) is Pair
    np.testing.assert_allclose([np.asarray(grads.first), np.asarray(grads.second)], [3.0, 2.0])
