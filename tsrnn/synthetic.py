"""Synthetic time series for pretraining a base forecasting model.

A seeded, endless stream of varied univariate series, each generated on the fly (nothing is
downloaded, stored or taken from real data) together with the frequency and seasonal period
it was generated for. Every series is one of six kinds:

``"kernel"`` (KernelSynth)
    A Gaussian-process sample whose kernel composes 1-5 kernels drawn from a bank (periodic
    at the frequency's periods, linear, RBF, rational quadratic, white noise, constant) with
    random ``+`` and ``*``, as in KernelSynth (Ansari et al., 2024, "Chronos: Learning the
    Language of Time Series", TMLR; ``scripts/kernel-synth.py`` of chronos-forecasting).
``"trend"``
    A structural series: a trend (linear, piecewise linear with 1-3 change points, damped,
    or none), Fourier seasonality at the frequency's periods (additive, or multiplicative:
    the whole series built in log space), and AR(1)/AR(2) noise.
``"random_walk"``
    Cumulated Gaussian or Student-t steps, with or without drift and seasonality.
``"profile"``
    Activity of a non-negative quantity such as load, traffic or sales: a shape repeated at
    the frequency's seasonal period (peaky, floored at zero, or smooth, with up to 12
    harmonics), times day-of-week factors (hourly series: one factor per day, quieter days
    such as a weekend) or a smooth slower cycle, times a slowly moving level and
    multiplicative AR noise. Without a seasonal period it is a ``"trend"`` series.
``"intermittent"``
    Non-negative integer counts with many exact zeros (Bernoulli occurrences times
    negative-binomial sizes, sometimes with a seasonal occurrence rate).
``"mixup"`` (TSMixup)
    A convex mixture, with Dirichlet(1.5) weights, of 2-3 series of the other kinds scaled to
    a common size first (TSMixup, Ansari et al., 2024).

Any series but a profile may also get (probability 0.3) a cycle of a random length, 5 to 80
steps, not tied to its calendar (a business cycle, the sunspots' 11 years): one more period
its periodic kernels, seasonal components or seasonal random walk may use (the only one for
a yearly series).

Series of the kernel, trend and random-walk kinds (and mixtures) may get 1-2 level shifts
(probability 0.15) and outlier spikes (probability 0.15), then a random scale (log-uniform
over 1e-2 to 1e4) and level: zero-mean, non-negative, or offset far from zero (a third
each). Multiplicative series and profiles are positive and only scaled; counts keep their
values.

Gaussian processes are sampled without an O(L^3) Cholesky. A sum of kernels is a sum of
independent samples. Within a product, periodic kernels ``exp(-2 sin^2(pi tau / p) / l^2)``
are expanded in their Fourier series (Bessel-function weights, truncated where less than
1e-4 of the variance is left; a product of periodic kernels keeps its 48 largest
components, rescaled to the full variance) and linear kernels in their features
``(sigma_0, x)``, so a product is a sum of features times independent samples of the
remaining RBF / rational-quadratic factors (a white-noise factor makes the whole product
white noise). Those stationary factors are sampled by circulant embedding (FFT,
O(m log m)) on a grid of at most 8 points per length scale, linearly interpolated to every
step, so a smooth kernel costs a few dozen points whatever the length; the embedding
covers up to 4 series lengths of lag and drops its negative eigenvalues (heavy-tailed
rational-quadratic kernels), which perturbs the covariance by about 1e-3.

Reproducibility: the series ``i`` of batch ``step`` is drawn from its own generator, seeded
with ``np.random.SeedSequence(seed, spawn_key=(step, i))``; a run restarted at batch ``k``
gets exactly the batches it would have had, and the first rows of a batch do not depend on
its size.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple

import numpy as np

from ._kernel_synth import _kernel_synth, _log_uniform

__all__ = ["FREQUENCIES", "KINDS", "SyntheticBatch", "SyntheticSeries"]

#: Frequencies the generator knows: pandas alias -> (seasonal period in steps, periods of the
#: periodic components in steps). The seasonal periods are those of
#: ``tsrnn._data.season_length``; a weekly series' yearly cycle is 365.25 / 7 weeks.
FREQUENCIES: dict[str, tuple[int, tuple[float, ...]]] = {
    "h": (24, (24.0, 168.0)),
    "D": (7, (7.0, 365.25)),
    "W": (52, (365.25 / 7,)),
    "MS": (12, (12.0,)),
    "QS": (4, (4.0,)),
    "YS": (1, ()),
}

_ALIASES = {
    "h": "h", "H": "h", "D": "D", "W": "W", "M": "MS", "MS": "MS", "ME": "MS",
    "Q": "QS", "QS": "QS", "QE": "QS", "Y": "YS", "YS": "YS", "YE": "YS", "A": "YS",
}  # fmt: skip

#: Kinds of series and their default probabilities.
KINDS: dict[str, float] = {
    "kernel": 0.30,
    "trend": 0.25,
    "random_walk": 0.10,
    "profile": 0.15,
    "intermittent": 0.05,
    "mixup": 0.15,
}

#: Probability that a series (other than a profile) may also hold a cycle of a random
#: length, not tied to the calendar (business cycles, the sunspots' 11 years), and the
#: range of its length in steps (log-uniform).
_FREE_CYCLE_PROBABILITY = 0.3
_FREE_CYCLE_STEPS = (5.0, 80.0)
_LEVEL_SHIFT_PROBABILITY = 0.15
_SPIKE_PROBABILITY = 0.15
# Kernel types after the first, and their weights (periodic only where the frequency has
# periods). The first kernel is periodic with probability 0.7 when there are periods.


class SyntheticBatch(NamedTuple):
    """A batch of synthetic series and what each was generated for.

    Attributes
    ----------
    values : ndarray of shape (n_series, length), float64
        The series, one a row; finite.
    season_length : ndarray of shape (n_series,), int64
        Seasonal period in steps (24 hourly, 7 daily, 52 weekly, 12 monthly, 4 quarterly,
        1 yearly).
    freq : ndarray of shape (n_series,), object
        pandas frequency alias the series was generated for: ``"h"``, ``"D"``, ``"W"``,
        ``"MS"``, ``"QS"`` or ``"YS"``.
    kind : ndarray of shape (n_series,), object
        ``"kernel"``, ``"trend"``, ``"random_walk"``, ``"profile"``, ``"intermittent"`` or
        ``"mixup"``.
    description : list of str, length n_series
        The components of each series, e.g.
        ``"kernel((periodic(24)+rbf)*linear) + spikes(2)"``.
    """

    values: np.ndarray
    season_length: np.ndarray
    freq: np.ndarray
    kind: np.ndarray
    description: list


class SyntheticSeries:
    """Seeded, endless generator of synthetic series for pretraining.

    Parameters
    ----------
    length : int, default=512
        Steps per series.
    frequencies : None, str, sequence of str or mapping of str to float, default=None
        Frequencies to generate and their weights: pandas aliases ``"h"``, ``"D"``,
        ``"W"``, ``"MS"`` (or ``"M"``), ``"QS"`` (or ``"Q"``), ``"YS"`` (or ``"Y"``). A
        sequence weighs them equally; None takes all six equally.
    kinds : None, str, sequence of str or mapping of str to float, default=None
        Kinds of series (see :data:`KINDS`) and their weights; None: the defaults of
        :data:`KINDS`. ``"mixup"`` mixes series of the other kinds given (all four when
        only ``"mixup"`` is).
    random_state : None, int or numpy.random.SeedSequence, default=None
        Seed. None draws fresh entropy, kept in :attr:`seed` so the run can be repeated.

    Attributes
    ----------
    seed : int
        The entropy all batches derive from.

    Examples
    --------
    >>> gen = SyntheticSeries(length=256, frequencies={"h": 2, "W": 1}, random_state=0)
    >>> batch = gen.sample(8, step=0)
    >>> batch.values.shape, batch.season_length.shape
    ((8, 256), (8,))
    >>> for step, batch in zip(range(3), gen.stream(64, start=10)):
    ...     pass  # batch 10, 11, 12: the same as gen.sample(64, step=10), ...
    """

    def __init__(self, length=512, *, frequencies=None, kinds=None, random_state=None):
        if not isinstance(length, int | np.integer) or length < 8:
            raise ValueError(f"length must be an integer >= 8, got {length!r}")
        self.length = int(length)
        freq_names, freq_weights = _weights(frequencies, dict.fromkeys(FREQUENCIES, 1.0),
                                            "frequencies", _ALIASES)
        self.frequencies = dict(zip(freq_names, freq_weights, strict=True))
        kind_names, kind_weights = _weights(kinds, KINDS, "kinds", {k: k for k in KINDS})
        self.kinds = dict(zip(kind_names, kind_weights, strict=True))
        if isinstance(random_state, np.random.SeedSequence):
            self.seed = int(random_state.entropy)
        elif random_state is None:
            self.seed = int(np.random.SeedSequence().entropy)
        elif isinstance(random_state, int | np.integer) and random_state >= 0:
            self.seed = int(random_state)
        else:
            raise ValueError(f"random_state must be None, an int >= 0 or a SeedSequence, "
                             f"got {random_state!r}")
        self._next_step = 0
        self._freq_names, self._freq_p = freq_names, freq_weights
        self._kind_names, self._kind_p = kind_names, kind_weights
        base = [k for k in kind_names if k != "mixup"] or [k for k in KINDS if k != "mixup"]
        base_w = np.array([self.kinds.get(k, KINDS[k]) for k in base])
        self._mix_names, self._mix_p = base, base_w / base_w.sum()

    def sample(self, n_series, step=None):
        """Generate one batch.

        Parameters
        ----------
        n_series : int
            Series in the batch.
        step : int, default=None
            Batch number: the same step gives the same batch (its first rows do not depend
            on ``n_series``). None: the batch after the last one this method made
            without a step (0, 1, 2, ...).

        Returns
        -------
        SyntheticBatch
            ``values`` of shape (n_series, length) float64 and per-row metadata.
        """
        if step is None:
            step, self._next_step = self._next_step, self._next_step + 1
        if not isinstance(step, int | np.integer) or step < 0:
            raise ValueError(f"step must be an integer >= 0, got {step!r}")
        n_series = int(n_series)
        values = np.empty((n_series, self.length))
        season = np.empty(n_series, dtype=np.int64)
        freqs = np.empty(n_series, dtype=object)
        kinds = np.empty(n_series, dtype=object)
        descriptions = []
        for i in range(n_series):
            rng = np.random.default_rng(np.random.SeedSequence(self.seed,
                                                               spawn_key=(int(step), i)))
            freq = self._freq_names[_pick(rng, self._freq_p)]
            kind = self._kind_names[_pick(rng, self._kind_p)]
            values[i], description = self._one(rng, kind, freq)
            season[i], freqs[i], kinds[i] = FREQUENCIES[freq][0], freq, kind
            descriptions.append(description)
        return SyntheticBatch(values, season, freqs, kinds, descriptions)

    def stream(self, batch_size, start=0) -> Iterator[SyntheticBatch]:
        """Yield batches ``start``, ``start + 1``, ... without end.

        Parameters
        ----------
        batch_size : int
            Series per batch.
        start : int, default=0
            First batch number: a run resumed at batch ``k`` passes ``start=k``.

        Yields
        ------
        SyntheticBatch
            The same as ``sample(batch_size, step=k)`` for k = start, start + 1, ...
        """
        step = int(start)
        while True:
            yield self.sample(batch_size, step=step)
            step += 1

    def _one(self, rng, kind, freq):
        """One finite series of ``kind`` for ``freq``: (ndarray (length,), description)."""
        periods = FREQUENCIES[freq][1]
        if kind != "profile" and rng.random() < _FREE_CYCLE_PROBABILITY:
            cycle = _log_uniform(rng, *_FREE_CYCLE_STEPS)
            periods = (*periods, cycle)
        for _ in range(10):  # a non-finite draw (not seen in practice) is drawn again
            if kind == "mixup":
                y, text = _mixup(rng, self.length, periods, self._mix_names, self._mix_p)
            else:
                y, text = _base(rng, kind, self.length, periods)
            if kind != "intermittent":
                y, text = _finish(rng, y, text)
            if np.all(np.isfinite(y)):
                if len(periods) > len(FREQUENCIES[freq][1]):
                    text += f" | free cycle {periods[-1]:.3g}"
                return y, text
        raise RuntimeError("could not draw a finite series")  # pragma: no cover


def _weights(spec, defaults, name, aliases):
    """Normalise a None / str / sequence / mapping of names to (names, probabilities)."""
    if spec is None:
        spec = defaults
    elif isinstance(spec, str):
        spec = {spec: 1.0}
    elif not isinstance(spec, Mapping):
        spec = dict.fromkeys(spec, 1.0)
    names, weights = [], []
    for key, weight in spec.items():
        if key not in aliases:
            raise ValueError(f"unknown {name} entry {key!r}; choose from {sorted(set(aliases))}")
        if not np.isfinite(weight) or weight < 0:
            raise ValueError(f"{name} weights must be finite and >= 0, got {weight!r}")
        canonical = aliases[key]
        if canonical in names:
            weights[names.index(canonical)] += float(weight)
        else:
            names.append(canonical)
            weights.append(float(weight))
    total = sum(weights)
    if not names or total <= 0:
        raise ValueError(f"{name} needs at least one entry with a positive weight")
    return names, np.array(weights) / total


def _pick(rng, p):
    """Index drawn with probabilities ``p`` (faster than ``rng.choice`` for one draw)."""
    return min(int(np.searchsorted(np.cumsum(p), rng.random(), side="right")), len(p) - 1)




# ------------------------------------------------------------------------------------------
# The kinds of series (raw shapes, before level and scale)


def _base(rng, kind, length, periods):
    """A raw series of one base kind: (ndarray (length,), description)."""
    if kind == "kernel":
        return _kernel_synth(rng, length, periods)
    if kind == "trend":
        return _structural(rng, length, periods)
    if kind == "random_walk":
        return _random_walk(rng, length, periods)
    if kind == "profile":
        return _profile(rng, length, periods)
    return _intermittent(rng, length, periods)


def _mixup(rng, length, periods, names, p):
    """TSMixup: a Dirichlet(1.5) convex mix of 2-3 series of ``names``, each scaled first."""
    k = int(rng.integers(2, 4))
    weights = rng.dirichlet(np.full(k, 1.5))
    total = np.zeros(length)
    parts = []
    for w in weights:
        y, text = _base(rng, names[_pick(rng, p)], length, periods)
        if text.startswith("intermittent"):
            size = np.mean(np.abs(y))
        else:
            y = y - y.mean()
            size = y.std()
        total += w * (y / size if size > 0 else y)
        parts.append(f"{w:.2f}*{text}")
    return total, "mixup(" + ", ".join(parts) + ")"


def _finish(rng, y, text):
    """Events (level shifts, spikes), then a random scale and level."""
    if text.startswith("profile"):  # non-negative with exact zeros: scaled only
        return y / y.mean() * _log_uniform(rng, 1e-2, 1e4), text
    positive = text.startswith("trend") and "mul" in text
    if positive:  # multiplicative: events in log space, scale only
        u = np.log(y)
        u, text = _events(rng, u, u.std() or 1.0, text)
        y = np.exp(u - u.mean())
        return y * _log_uniform(rng, 1e-2, 1e4), text
    std = y.std()
    z = (y - y.mean()) / std if std > 1e-12 * (1 + abs(y.mean())) else np.zeros_like(y)
    z, text = _events(rng, z, 1.0, text)
    scale = _log_uniform(rng, 1e-2, 1e4)
    mode = rng.integers(3)
    if mode == 0:
        level = 0.0
    elif mode == 1:  # non-negative: the minimum at or a little above zero
        level = -z.min() + rng.uniform(0, 2)
    else:
        level = rng.uniform(-1, 1) * _log_uniform(rng, 1, 100)
    return scale * (z + level), text


def _events(rng, y, unit, text):
    """Level shifts and spikes, each with its probability, sized in ``unit``."""
    if rng.random() < _LEVEL_SHIFT_PROBABILITY:
        y, where = _add_level_shifts(rng, y, unit)
        text += f" + level_shift({len(where)})"
    if rng.random() < _SPIKE_PROBABILITY:
        y, where = _add_spikes(rng, y, unit)
        text += f" + spikes({len(where)})"
    return y, text


def _add_level_shifts(rng, y, unit, n=None):
    """Add 1-2 steps of 1-3 ``unit`` at random times in the middle 80%.

    Returns
    -------
    y : ndarray of shape (length,)
    where : ndarray of int
        First step of each new level.
    """
    length = len(y)
    n = int(rng.integers(1, 3)) if n is None else n
    where = np.sort(rng.integers(length // 10, length - length // 10, size=n))
    y = y.copy()
    for w in where:
        y[w:] += rng.choice([-1.0, 1.0]) * rng.uniform(1, 3) * unit
    return y, where


def _add_spikes(rng, y, unit, n=None):
    """Add spikes of 4-8 ``unit`` (times the series' spread) at a few random steps.

    Returns
    -------
    y : ndarray of shape (length,)
    where : ndarray of int
        The spikes' steps.
    """
    length = len(y)
    n = 1 + int(rng.poisson(length / 256)) if n is None else n
    where = rng.choice(length, size=min(n, length), replace=False)
    spread = max(np.ptp(y) / 2, unit)
    y = y.copy()
    y[where] += rng.choice([-1.0, 1.0], size=len(where)) * rng.uniform(4, 8, len(where)) * spread
    return y, np.sort(where)


def _fourier_season(rng, length, period, n_harmonics=None):
    """A random periodic shape of period ``period`` steps, unit standard deviation.

    Returns
    -------
    ndarray of shape (length,)
    """
    t = np.arange(length)
    max_harmonics = max(1, min(int(period // 2), 6))
    k = int(rng.integers(1, max_harmonics + 1)) if n_harmonics is None else n_harmonics
    harmonic = np.arange(1, k + 1)[:, None]
    angle = 2 * np.pi * harmonic * t / period
    a = rng.normal(size=(k, 1)) / harmonic
    b = rng.normal(size=(k, 1)) / harmonic
    s = (a * np.cos(angle) + b * np.sin(angle)).sum(0)
    return s / (s.std() or 1.0)


def _changepoint_trend(rng, length, n_changepoints):
    """Piecewise-linear trend (x = t / length): slope N(0, 2), changes N(0, 3) at sorted times.

    Returns
    -------
    trend : ndarray of shape (length,)
    where : ndarray of int
        The change points' steps.
    slopes : ndarray of shape (n_changepoints + 1,)
        Slope per unit of x on each piece.
    """
    x = np.arange(length) / length
    where = np.sort(rng.integers(length // 10, length - length // 10, size=n_changepoints))
    slopes = np.empty(n_changepoints + 1)
    slopes[0] = rng.normal(0, 2)
    trend = slopes[0] * x
    for j, w in enumerate(where):
        change = rng.normal(0, 3)
        change += np.sign(change) * 1.0  # at least one unit: a visible change
        slopes[j + 1] = slopes[j] + change
        trend += change * np.maximum(x - w / length, 0)
    return trend, where, slopes


def _damped_trend(rng, length, phi=None):
    """Damped trend ``b0 * sum_{s<=t} phi^s`` with phi in [0.9, 0.995], b0 N(0, 3) / length.

    Returns
    -------
    ndarray of shape (length,)
    """
    phi = rng.uniform(0.9, 0.995) if phi is None else phi
    b0 = rng.normal(0, 3) * 3 / length / (1 - phi) ** 0.5
    t = np.arange(1, length + 1)
    return b0 * phi * (1 - phi**t) / (1 - phi)


def _ar_noise(rng, length, coefs):
    """Stationary AR(p) noise, unit innovations, started from its stationary state (burn-in).

    Parameters
    ----------
    coefs : sequence of float
        phi_1, ..., phi_p.

    Returns
    -------
    ndarray of shape (length,)
    """
    from scipy.signal import lfilter

    burn = 200
    e = rng.standard_normal(length + burn)
    return lfilter([1.0], np.r_[1.0, -np.asarray(coefs, float)], e)[burn:]


def _random_ar_coefs(rng):
    """AR(1) or AR(2) coefficients from real roots in (-0.5, 0.95): always stationary."""
    roots = rng.uniform(-0.5, 0.95, size=int(rng.integers(1, 3)))
    return -np.poly(roots)[1:]


def _structural(rng, length, periods):
    """Trend + Fourier seasonality (additive or multiplicative) + AR noise."""
    x = np.arange(length) / length
    choice = rng.choice(4, p=[0.4, 0.25, 0.15, 0.2])
    if choice == 0:
        trend, where, _ = _changepoint_trend(rng, length, int(rng.integers(1, 4)))
        parts = [f"changepoint({len(where)})"]
    elif choice == 1:
        trend, parts = _damped_trend(rng, length), ["damped"]
    elif choice == 2:
        trend, parts = rng.normal(0, 2) * x, ["linear"]
    else:
        trend, parts = np.zeros(length), []
    season = np.zeros(length)
    if periods and rng.random() < 0.85:
        used = [periods[0]] + [p for p in periods[1:] if rng.random() < 0.5]
        for p in used:
            season += rng.uniform(0.3, 1.5) * _fourier_season(rng, length, p)
        multiplicative = rng.random() < 0.4
        kind = "mul" if multiplicative else "add"
        parts.append(f"season({kind}:" + ",".join(f"{p:g}" for p in used) + ")")
    else:
        multiplicative = False
    coefs = _random_ar_coefs(rng)
    noise = _ar_noise(rng, length, coefs)
    noise *= rng.uniform(0.05, 0.5) / (noise.std() or 1.0)
    parts.append(f"ar({len(coefs)})")
    if multiplicative:  # everything in log space: seasonal swings grow with the level
        log_level = trend * rng.uniform(0.1, 0.5) + season * rng.uniform(0.05, 0.3) + noise * 0.3
        return np.exp(log_level), "trend(" + " + ".join(parts) + ")"
    return trend + season + noise, "trend(" + " + ".join(parts) + ")"


def _random_walk(rng, length, periods):
    """Cumulated Gaussian or Student-t steps, maybe with drift and seasonality."""
    if rng.random() < 0.5:
        steps, parts = rng.standard_normal(length), ["gaussian"]
    else:
        steps, parts = rng.standard_t(rng.uniform(2.5, 10), size=length), ["student_t"]
    if rng.random() < 0.5:
        steps = steps + rng.normal(0, 0.2)
        parts.append("drift")
    y = np.cumsum(steps)
    if periods and rng.random() < 0.3:
        y += rng.uniform(0.5, 3) * _fourier_season(rng, length, periods[0])
        parts.append(f"season({periods[0]:g})")
    return y, "random_walk(" + " + ".join(parts) + ")"


def _intermittent(rng, length, periods):
    """Counts: Bernoulli(p_t) occurrences times 1 + negative-binomial sizes."""
    p = rng.uniform(0.05, 0.6)
    text = f"intermittent(p={p:.2f}"
    if periods and rng.random() < 0.3:
        phase = rng.uniform(0, 2 * np.pi)
        p = p * (1 + 0.8 * np.sin(2 * np.pi * np.arange(length) / periods[0] + phase))
        text += f", season({periods[0]:g})"
    mean_size = _log_uniform(rng, 0.5, 30)
    dispersion = rng.uniform(0.5, 5)
    sizes = 1 + rng.negative_binomial(dispersion, dispersion / (dispersion + mean_size), length)
    occurs = rng.random(length) < p
    return np.where(occurs, sizes, 0).astype(np.float64), text + ")"


def _profile(rng, length, periods):
    """Level x seasonal shape x cycle-of-cycles factor x noise: non-negative (see KINDS)."""
    if not periods:
        return _structural(rng, length, periods)
    t = np.arange(length)
    p = periods[0]
    s = _fourier_season(rng, length, p, int(rng.integers(1, max(2, min(int(p // 2), 12)) + 1)))
    form = int(rng.integers(3))
    if form == 0:  # sharp peaks over a quiet base
        shape, name = np.exp(rng.uniform(0.5, 2.0) * s), "peaks"
    elif form == 1:  # nothing below a threshold: zero at night, say
        shape, name = np.maximum(s - np.quantile(s, rng.uniform(0.1, 0.6)), 0.0), "floor"
    else:
        shape, name = s - s.min(), "smooth"
    shape = shape / shape.mean() + (rng.uniform(0, 0.5) if rng.random() < 0.5 else 0.0)
    parts = [f"{name}({p:g})"]
    if len(periods) > 1 and periods[1] >= 2 * p and rng.random() < 0.8:
        slow = periods[1]
        n_days = int(round(slow / p))
        if n_days <= 14 and slow == n_days * p:  # one factor a "day" (a week of 7 days): a
            # few quieter days in a row, or all varying
            days = np.exp(rng.normal(0, rng.uniform(0.05, 0.3), n_days))
            if rng.random() < 0.7:
                quiet = (int(rng.integers(n_days)) + np.arange(int(rng.integers(1, 3)))) % n_days
                days[quiet] *= rng.uniform(0.2, 0.8)
            shape = shape * days[(t // int(p) + int(rng.integers(n_days))) % n_days]
            parts.append(f"days({n_days})")
        else:
            shape = shape * np.exp(rng.uniform(0.1, 0.6) * _fourier_season(rng, length, slow))
            parts.append(f"cycle({slow:g})")
    level = np.zeros(length)
    if rng.random() < 0.6:
        level = _changepoint_trend(rng, length, int(rng.integers(0, 3)))[0]
        level *= rng.uniform(0.05, 0.3)
        parts.append("level")
    noise = _ar_noise(rng, length, _random_ar_coefs(rng))
    noise *= rng.uniform(0.02, 0.3) / (noise.std() or 1.0)
    return shape * np.exp(level + noise), "profile(" + " * ".join(parts) + ")"
