"""Learning-rate schedules: the learning rate as a function of the optimizer's step count.

An optimizer given a schedule calls ``schedule(iterations)`` once per step (``iterations``
= steps applied before this one) and uses the returned float. Values follow Keras 3's
formulas exactly.
"""
import math

import numpy as np


class LearningRateSchedule:
    """Base class: subclasses implement ``__call__(step) -> float`` and ``get_config``."""

    def __call__(self, step):  # pragma: no cover - abstract
        raise NotImplementedError("LearningRateSchedule subclasses implement __call__ (abstract)")

    def get_config(self):  # pragma: no cover - abstract
        raise NotImplementedError(
            f"{type(self).__name__} must override get_config() to be serialized (abstract)"
        )

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _step(step):
    return float(step.data if hasattr(step, "data") else np.asarray(step))


def _positive(owner, name, value):
    if not value > 0:
        raise ValueError(f"{owner}: `{name}` must be > 0, received {name}={value!r}.")
    return value


class _RateDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: the arguments, and the progress
    step / decay_steps (floored with ``staircase``) that each turns into a rate."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive(type(self).__name__, "decay_steps", decay_steps)
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name or type(self).__name__

    def _progress(self, step):
        p = _step(step) / self.decay_steps
        return math.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_RateDecay):
    """initial_learning_rate * decay_rate ** (step / decay_steps); with ``staircase`` the
    exponent is floored, so the rate drops in steps."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return float(self.initial_learning_rate) * float(self.decay_rate) ** self._progress(step)


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while step <= boundaries[0], ``values[i]`` while
    boundaries[i-1] < step <= boundaries[i], ``values[-1]`` after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        if any(a >= b for a, b in zip(boundaries, boundaries[1:])):
            raise ValueError(f"PiecewiseConstantDecay: boundaries must increase, received {boundaries}.")
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def __call__(self, step):
        s = _step(step)
        for boundary, value in zip(self.boundaries, self.values):
            if s <= boundary:
                return float(value)
        return float(self.values[-1])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """(initial - end) * (1 - step / decay_steps) ** power + end, with step capped at
    ``decay_steps``; with ``cycle`` the horizon grows to the next multiple of decay_steps."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("PolynomialDecay", "decay_steps", decay_steps)
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        s = _step(step)
        horizon = float(self.decay_steps)
        if self.cycle:
            horizon *= 1.0 if s == 0 else math.ceil(s / horizon)
        else:
            s = min(s, horizon)
        fraction = 1.0 - s / horizon
        span = float(self.initial_learning_rate) - float(self.end_learning_rate)
        return span * fraction ** float(self.power) + float(self.end_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power,
                "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_RateDecay):
    """initial_learning_rate / (1 + decay_rate * step / decay_steps); ``staircase`` floors
    step / decay_steps."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return float(self.initial_learning_rate) / (1.0 + float(self.decay_rate) * self._progress(step))


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup from ``initial_learning_rate`` to ``warmup_target`` over
    ``warmup_steps``, then a half cosine over ``decay_steps`` down to ``alpha`` times the
    starting rate (the warmup target when there is one), constant afterwards."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("CosineDecay", "decay_steps", decay_steps)
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, s, start):
        cosine = 0.5 * (1.0 + math.cos(math.pi * s / self.decay_steps))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        s = _step(step)
        initial = float(self.initial_learning_rate)
        if self.warmup_target is None:
            return self._decay(min(s, self.decay_steps), initial)
        s = min(s, self.decay_steps + self.warmup_steps)
        if s < self.warmup_steps:
            return (float(self.warmup_target) - initial) * s / self.warmup_steps + initial
        return self._decay(s - self.warmup_steps, float(self.warmup_target))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter, 2017): a half cosine from
    the rate down to ``alpha`` times it over ``first_decay_steps``, then a restart. Each
    period is ``t_mul`` times longer than the last and starts ``m_mul`` times lower."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = _positive("CosineDecayRestarts", "first_decay_steps", first_decay_steps)
        self.t_mul = _positive("CosineDecayRestarts", "t_mul", t_mul)
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        done = _step(step) / self.first_decay_steps  # in units of the first period
        t_mul = float(self.t_mul)
        if t_mul == 1.0:
            restarts = math.floor(done)
            done -= restarts
        else:
            # Periods 1, t, t², ... end at (t^i - 1) / (t - 1): invert that for the period index.
            # (With t < 1 the periods shrink to nothing: past their total the rate stays at its floor.)
            remaining = 1.0 - done * (1.0 - t_mul)
            if remaining <= 0:
                return float(self.initial_learning_rate) * self.alpha
            restarts = math.floor(math.log(remaining) / math.log(t_mul))
            start = (1.0 - t_mul**restarts) / (1.0 - t_mul)
            done = (done - start) / t_mul**restarts
        cosine = 0.5 * float(self.m_mul) ** restarts * (1.0 + math.cos(math.pi * done))
        return float(self.initial_learning_rate) * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul, "m_mul": self.m_mul,
                "alpha": self.alpha, "name": self.name}


ALL = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
                                     InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


def serialize(schedule):
    """``{"class_name": ..., "config": ...}`` for a schedule."""
    if not isinstance(schedule, LearningRateSchedule):
        raise ValueError(f"Cannot serialize {schedule!r}: it is not a LearningRateSchedule.")
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config, custom_objects=None):
    """A schedule from ``serialize``'s output; ``custom_objects`` maps names to user classes."""
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or ALL.get(name)
    if cls is None:
        raise ValueError(
            f"Could not interpret learning rate schedule: {name}. Valid names: "
            f"{', '.join(sorted(ALL))} (pass others in custom_objects)."
        )
    return cls.from_config(config.get("config", {}))
