"""KernelSynth: random composite Gaussian-process kernels, sampled without a Cholesky.

The kernel part of :mod:`tsrnn.synthetic` (Ansari et al., 2024, "Chronos: Learning the
Language of Time Series", KernelSynth): 1 to ``_MAX_KERNELS`` kernels drawn from a bank
(periodic at the common periods, linear, RBF, rational quadratic, white noise, constant),
combined left to right with + or x, and one sample of the Gaussian process drawn. A sum is a
sum of independent samples; inside a product, periodic kernels are expanded in their Fourier
series and linear ones in their features, and the stationary (RBF, RQ) factors are sampled by
circulant embedding on a coarse grid and interpolated (see :mod:`tsrnn.synthetic` for the
approximations).
"""

import numpy as np

_MAX_KERNELS = 5
_KERNEL_TYPES = ("periodic", "linear", "rbf", "rq", "white", "constant")
_KERNEL_WEIGHTS = np.array([0.3, 0.15, 0.2, 0.15, 0.1, 0.1])
_SPECTRUM_TOL = 1e-4  # Fourier weight (fraction) a periodic spectrum may drop
_MAX_SPECTRUM = 48  # most Fourier components kept of a product of periodic kernels
_POINTS_PER_LENGTH_SCALE = 8
_EMBEDDING_REACH = 4  # the embedding covers at most this many series lengths of lag


def _log_uniform(rng, low, high):
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))




def _draw_kernel(rng, periods, first):
    """One kernel from the bank, as a tuple ``(type, *parameters)``."""
    weights = _KERNEL_WEIGHTS.copy()
    if not periods:
        weights[0] = 0.0
    if periods and first and rng.random() < 0.7:
        kind = "periodic"
    else:
        kind = _KERNEL_TYPES[rng.choice(len(_KERNEL_TYPES), p=weights / weights.sum())]
    if kind == "periodic":
        # the seasonal period more often than the others
        p = periods[0] if len(periods) == 1 or rng.random() < 0.6 else rng.choice(periods[1:])
        return ("periodic", float(p), _log_uniform(rng, 0.5, 2.0))
    if kind == "linear":
        return ("linear", float(rng.choice([0.0, 0.5, 1.0, 2.0])))
    if kind == "rbf":
        return ("rbf", _log_uniform(rng, 0.01, 3.0))
    if kind == "rq":
        return ("rq", _log_uniform(rng, 0.01, 3.0), float(rng.choice([0.1, 1.0, 10.0])))
    if kind == "white":
        return ("white", _log_uniform(rng, 0.01, 1.0))
    return ("constant", _log_uniform(rng, 0.1, 10.0))


def _kernel_name(kernel):
    if kernel[0] == "periodic":
        return f"periodic({kernel[1]:g})"
    return {"constant": "const"}.get(kernel[0], kernel[0])


def _kernel_synth(rng, length, periods, kernels=None, ops=None):
    """A GP sample of 1-5 bank kernels combined left to right with random + and *.

    Parameters
    ----------
    kernels : list of tuple, default=None
        The kernels (see :func:`_draw_kernel`); None draws them.
    ops : str, default=None
        One ``"+"`` or ``"*"`` per kernel after the first; None draws them.

    Returns
    -------
    y : ndarray of shape (length,)
    description : str
    """
    if kernels is None:
        n = int(rng.integers(1, _MAX_KERNELS + 1))
        kernels = [_draw_kernel(rng, periods, first=j == 0) for j in range(n)]
    if ops is None:
        ops = "".join(rng.choice(["+", "*"], size=len(kernels) - 1))
    # expand the left fold into a sum of products (monomials) of kernels
    monomials = [[kernels[0]]]
    text = _kernel_name(kernels[0])
    for op, kernel in zip(ops, kernels[1:], strict=True):
        if op == "+":
            monomials.append([kernel])
        else:
            monomials = [m + [kernel] for m in monomials]
        text = f"({text}{op}{_kernel_name(kernel)})"
    y = np.zeros(length)
    for factors in monomials:
        y += _sample_product(rng, factors, length)
    if len(kernels) > 1:
        text = text[1:-1]
    return y, f"kernel({text})"


def _periodic_spectrum(period, ell):
    """Fourier series of exp(-2 sin^2(pi tau / period) / ell^2) = sum_j w_j cos(nu_j tau).

    Returns
    -------
    nu : ndarray of shape (n,)
        Angular frequencies per step.
    w : ndarray of shape (n,)
        Weights (summing to about 1): exp(-k) I_0(k), 2 exp(-k) I_n(k) with k = 1 / ell^2.
    """
    from scipy.special import ive

    kappa = 1.0 / ell**2
    n = np.arange(int(kappa + 6 * np.sqrt(kappa) + 6))
    w = ive(n, kappa) * np.where(n == 0, 1.0, 2.0)
    keep = w > _SPECTRUM_TOL
    return 2 * np.pi * n[keep] / period, w[keep]


def _spectrum_product(nu1, w1, nu2, w2):
    """Spectrum of a product of two cosine series: cos a cos b = (cos(a+b) + cos(a-b)) / 2."""
    nu = np.concatenate([(nu1[:, None] + nu2).ravel(), np.abs(nu1[:, None] - nu2).ravel()])
    w = np.concatenate([(w1[:, None] * w2).ravel()] * 2) / 2
    nu, index = np.unique(np.round(nu, 12), return_inverse=True)  # merge equal frequencies
    w = np.bincount(index.ravel(), weights=w)
    total = w.sum()
    order = np.argsort(-w, kind="stable")
    keep = np.searchsorted(np.cumsum(w[order]), (1 - _SPECTRUM_TOL) * total) + 1
    order = order[: min(keep, _MAX_SPECTRUM)]
    return nu[order], w[order] * (total / w[order].sum())  # the variance is kept


def _sample_product(rng, factors, length):
    """A GP sample whose kernel is the product of ``factors``.

    Periodic factors become a cosine spectrum (features cos, sin), linear factors a
    polynomial in ``x x'`` (features ``x^k``); the sample is the sum of each feature times an
    independent sample of the remaining RBF / RQ factors (or a standard normal number when
    there are none). A white-noise factor makes the product white noise with the variance of
    the rest at lag 0.

    Returns
    -------
    ndarray of shape (length,)
    """
    t = np.arange(length, dtype=np.float64)
    x = t / length
    nu, w = np.zeros(1), np.ones(1)
    poly = np.ones(1)  # coefficients of (x x')^k
    stationary = []
    variance, white = 1.0, False
    for kernel in factors:
        kind = kernel[0]
        if kind == "periodic":
            nu, w = _spectrum_product(nu, w, *_periodic_spectrum(kernel[1], kernel[2]))
        elif kind == "linear":
            poly = np.convolve(poly, [kernel[1] ** 2, 1.0])
        elif kind in ("rbf", "rq"):
            stationary.append(kernel)
        elif kind == "white":
            variance *= kernel[1]
            white = True
        else:
            variance *= kernel[1]
    powers = x[None, :] ** np.arange(len(poly))[:, None]  # (k, length)
    if white:
        diag = poly @ powers**2
        return np.sqrt(variance * w.sum() * diag) * rng.standard_normal(length)
    periodic = np.concatenate([np.sqrt(w)[:, None] * np.cos(nu[:, None] * t),
                               np.sqrt(w)[:, None] * np.sin(nu[:, None] * t)])
    periodic = periodic[np.any(periodic != 0, axis=1)]  # sin(0 t) = 0
    linear = np.sqrt(poly)[:, None] * powers
    features = (periodic[:, None, :] * linear[None, :, :]).reshape(-1, length)
    if stationary:
        draws = _sample_stationary(rng, stationary, len(features), length)
    else:
        draws = rng.standard_normal((len(features), 1))
    return np.sqrt(variance) * np.einsum("ij,ij->j", features, draws)


def _stationary_covariance(kernels, lag):
    """Product of RBF / RQ kernels at ``lag`` (in units of the series length)."""
    c = np.ones_like(lag)
    for kernel in kernels:
        r2 = (lag / kernel[1]) ** 2
        if kernel[0] == "rbf":
            c *= np.exp(-0.5 * r2)
        else:
            alpha = kernel[2]
            c *= (1 + r2 / (2 * alpha)) ** -alpha
    return c


def _sample_stationary(rng, kernels, n_draws, length):
    """Independent samples of a product of RBF / RQ kernels, by circulant embedding.

    The grid has at most ``_POINTS_PER_LENGTH_SCALE`` points per (combined) length scale,
    and at least one a step; the embedding covers the kernel's range (lag where it falls
    below 1e-4, at most ``_EMBEDDING_REACH`` series lengths); negative eigenvalues (a kernel not
    yet decayed within the embedding) are set to zero. Samples are linearly interpolated
    from the grid to every step.

    Returns
    -------
    ndarray of shape (n_draws, length)
    """
    inverse_sq = sum(1.0 / k[1] ** 2 for k in kernels)
    scale = length / np.sqrt(inverse_sq)  # combined length scale, in steps
    h = max(1.0, scale / _POINTS_PER_LENGTH_SCALE)
    n_grid = int(np.ceil((length - 1) / h)) + 2
    reach = min(_range_steps(k, length) for k in kernels) / h
    m = 2 ** int(np.ceil(np.log2(2 * max(n_grid, min(reach, _EMBEDDING_REACH * n_grid)))))
    j = np.arange(m)
    row = _stationary_covariance(kernels, np.minimum(j, m - j) * h / length)
    eig = np.maximum(np.fft.fft(row).real, 0.0)
    n_complex = (n_draws + 1) // 2
    xi = rng.standard_normal((n_complex, m)) + 1j * rng.standard_normal((n_complex, m))
    y = np.fft.fft(np.sqrt(eig / m) * xi, axis=1)[:, :n_grid]
    grid = np.concatenate([y.real, y.imag])[:n_draws]
    if h == 1.0:
        return grid[:, :length]
    pos = np.arange(length) / h
    i0 = np.floor(pos).astype(np.int64)
    frac = pos - i0
    return grid[:, i0] * (1 - frac) + grid[:, i0 + 1] * frac


def _range_steps(kernel, length):
    """Lag (in steps) where an RBF / RQ kernel falls below 1e-4."""
    if kernel[0] == "rbf":
        return kernel[1] * length * np.sqrt(2 * np.log(1e4))
    alpha = kernel[2]
    return kernel[1] * length * np.sqrt(2 * alpha * (min(1e4 ** (1 / alpha), 1e12) - 1))
