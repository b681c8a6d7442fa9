"""Learning-rate schedules: values at a few steps against the closed forms."""
import math

import pytest

from gradiente.optimizers import schedules


def test_exponential_decay():
    s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert s(0) == pytest.approx(0.1)
    assert s(5) == pytest.approx(0.1 * 0.5**0.5)
    assert s(20) == pytest.approx(0.025)
    stair = schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True)
    assert stair(19) == pytest.approx(0.05)


def test_piecewise_constant_decay():
    s = schedules.PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])
    assert [s(0), s(100), s(101), s(200), s(201)] == [1.0, 1.0, 0.5, 0.5, 0.1]
    with pytest.raises(ValueError, match="1 less"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0])


def test_polynomial_decay():
    s = schedules.PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.1, power=2.0)
    assert s(0) == pytest.approx(1.0)
    assert s(5) == pytest.approx(0.9 * 0.25 + 0.1)
    assert s(50) == pytest.approx(0.1)
    cyc = schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.0, cycle=True)
    assert cyc(15) == pytest.approx(1 - 15 / 20)


def test_inverse_time_decay():
    s = schedules.InverseTimeDecay(0.5, decay_steps=4, decay_rate=1.0)
    assert s(2) == pytest.approx(0.5 / 1.5)
    assert schedules.InverseTimeDecay(0.5, 4, 1.0, staircase=True)(7) == pytest.approx(0.25)


def test_cosine_decay_with_and_without_warmup():
    s = schedules.CosineDecay(1.0, decay_steps=10, alpha=0.1)
    assert s(0) == pytest.approx(1.0)
    assert s(5) == pytest.approx(0.9 * 0.5 + 0.1)
    assert s(100) == pytest.approx(0.1)
    w = schedules.CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=4)
    assert w(2) == pytest.approx(0.5)
    assert w(4) == pytest.approx(1.0)
    assert w(9) == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.5)))


def sgdr_loop(step, initial, first, t_mul, m_mul, alpha):
    """Walk the periods one by one: the i-th is first·t_mul^i steps long, peaks at m_mul^i."""
    start, length, i = 0.0, float(first), 0
    while step >= start + length:
        start, length, i = start + length, length * t_mul, i + 1
    cosine = 0.5 * m_mul**i * (1 + math.cos(math.pi * (step - start) / length))
    return initial * ((1 - alpha) * cosine + alpha)


@pytest.mark.parametrize("t_mul, m_mul, alpha", [(2.0, 0.5, 0.1), (1.0, 1.0, 0.0), (1.5, 0.8, 0.0)])
def test_cosine_decay_restarts_walks_its_periods(t_mul, m_mul, alpha):
    s = schedules.CosineDecayRestarts(0.4, first_decay_steps=10, t_mul=t_mul, m_mul=m_mul, alpha=alpha)
    for step in [0, 1, 5, 9, 10, 11, 29, 30, 31, 64, 69, 70, 150]:
        assert s(step) == pytest.approx(sgdr_loop(step, 0.4, 10, t_mul, m_mul, alpha), rel=1e-9, abs=1e-12), step
    assert s(0) == pytest.approx(0.4) and s(10) == pytest.approx(0.4 * ((1 - alpha) * m_mul + alpha))  # a restart
    clone = schedules.deserialize(schedules.serialize(s))
    assert isinstance(clone, schedules.CosineDecayRestarts) and clone(37) == s(37)
    with pytest.raises(ValueError, match="first_decay_steps"):
        schedules.CosineDecayRestarts(0.1, 0)


def test_serialize_round_trip():
    s = schedules.CosineDecay(1.0, 10, alpha=0.2)
    clone = schedules.deserialize(schedules.serialize(s))
    assert isinstance(clone, schedules.CosineDecay) and clone(3) == s(3)
