"""The recurrent network on a CUDA device: parameters, Adam state and windows stay there.

Typical training loop, with one host round trip per batch (the scalar loss)::

    net = CudaNetwork(spec, np.float32, learning_rate=1e-3)
    net.to_device(params)
    net.upload_windows(X, Y)                 # (N, T, F) and (N, O), once
    for epoch in range(n_epochs):
        perm = net.to_device_indices(rng.permutation(N))
        for start in range(0, N, batch):
            loss, grad = net.loss_and_grad(idx=perm[start:start + batch])
            net.apply_gradient(grad, clip_norm=1.0)
    params = net.get_params()

One training step is four or five kernel launches: :func:`forward` (every layer, the head,
the loss and its gradient), :func:`backward` (BPTT into per-block partials), ``reduce``
(partials summed in block order: deterministic), ``sqnorm`` (only when clipping) and
``adam``. See :mod:`tsrnn._cuda._kernels` for the thread mapping.
"""

import functools
import warnings

import numpy as np
from numba import cuda

from .. import _config
from .._spec import LOSS_CODES, NetworkSpec
from . import _device
from ._kernels import (
    D_B,
    D_CELL,
    D_E,
    D_F,
    D_H,
    D_L,
    D_LOSS,
    D_MODE,
    D_O,
    D_S,
    D_T,
    D_TRAIN,
    N_DIMS,
    build,
    shared_words,
)

#: Dynamic shared memory each compiled kernel is allowed, in bytes, keyed by dispatcher and
#: argument types. The driver keeps one value per kernel, so it only ever grows.
_OPTED_IN = {}
_OPT_IN_REFUSED = []


class _SharedRefused(Exception):
    """The driver refused more than 48 KiB of shared memory for a kernel."""


def _arg_key(a):
    """What selects a kernel specialisation: dtype, dimensions and layout of an argument.

    Computed at every launch of a large-shared-memory kernel, so it reads only cheap
    attributes (``str(dtype)`` alone would cost several microseconds per argument).
    """
    dtype = getattr(a, "dtype", None)
    if dtype is None:
        return type(a)
    is_c = getattr(a, "is_c_contiguous", None)  # numba device arrays: no dict copy
    return dtype.char, a.ndim, is_c() if is_c is not None else a.flags["C_CONTIGUOUS"]


def _shared_limit():
    if _config.CUDA_SHARED_MEMORY_LIMIT is not None:
        return int(_config.CUDA_SHARED_MEMORY_LIMIT)
    if _device.simulator_enabled() or _OPT_IN_REFUSED:
        return _device.DEFAULT_SHARED_BYTES
    return _device.opt_in_limit()


def _launch(dispatcher, n_blocks, threads, nbytes, args):
    """Launch on the default stream with ``nbytes`` of dynamic shared memory.

    Above 48 KiB the kernel is first allowed that much (unless it already may use as much);
    if the driver refuses, a ``RuntimeWarning`` says why, :class:`_SharedRefused` is raised
    and later limits stay at 48 KiB.
    """
    if nbytes > _device.DEFAULT_SHARED_BYTES and not _device.simulator_enabled():
        key = (id(dispatcher), tuple(_arg_key(a) for a in args))
        if _OPTED_IN.get(key, 0) < nbytes:
            ok, reason = _device.opt_in_shared(dispatcher, args, nbytes)
            if not ok:
                _OPT_IN_REFUSED.append(key)
                warnings.warn(
                    f"could not allow a CUDA kernel {nbytes} bytes of shared memory "
                    f"({reason}); the kernels now keep at most 48 KiB there and read the "
                    "weights from global memory, which is several times slower",
                    RuntimeWarning,
                    stacklevel=4,
                )
                raise _SharedRefused(nbytes)
            _OPTED_IN[key] = nbytes
    dispatcher[n_blocks, threads, 0, nbytes](*args)


def _retry_small_shared(method):
    """Run ``method`` again (with at most 48 KiB of shared memory) if the driver refused more."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except _SharedRefused:
            return method(*args, **kwargs)

    return wrapper


def _threads():
    """Threads per block of the next launch (``_config.CUDA_THREADS_PER_BLOCK``)."""
    return max(1, int(_config.CUDA_THREADS_PER_BLOCK))


def _is_device_array(a):
    """A numba device array or any object exposing ``__cuda_array_interface__``."""
    return hasattr(a, "copy_to_host") or hasattr(a, "__cuda_array_interface__")


def _as_numba(a):
    return a if hasattr(a, "copy_to_host") else cuda.as_cuda_array(a)


class CudaNetwork:
    """A :class:`tsrnn._spec.NetworkSpec` network with its state on a CUDA device.

    Parameters
    ----------
    spec : NetworkSpec
    dtype : {np.float32, np.float64}, default np.float32
    learning_rate, beta1, beta2, epsilon : float
        Adam's hyperparameters, as :class:`tsrnn._optim.Adam`; attributes, may be changed
        between steps.

    Attributes
    ----------
    params : numba.cuda device array of shape (n_params,)
    grad : numba.cuda device array of shape (n_params,)
        Gradient of the last :meth:`loss_and_grad` (clipped, if :meth:`apply_gradient`
        clipped it).
    m, v : numba.cuda device array of shape (n_params,) or None
        Adam's moments, allocated by the first update.
    t : int
        Adam's step count.
    average : numba.cuda device array of shape (n_params,) or None
        Moving average of the weights, from :meth:`start_average` on.
    """

    def __init__(
        self, spec, dtype=np.float32, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8
    ):
        if not isinstance(spec, NetworkSpec):
            raise TypeError("spec must be a NetworkSpec")
        self.spec = spec
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self._offsets = cuda.to_device(np.array(spec.offsets))  # the layout, as the CPU's
        P = spec.n_params
        self.params = cuda.to_device(np.zeros(P, self.dtype))
        self.grad = cuda.device_array(P, self.dtype)
        self.m = self.v = None
        self.t = 0
        self.average = None
        self._X = self._Y = self._Z = None
        self._cache = {}
        self._loss_out = cuda.device_array(1, np.float64)
        self._norm_parts = None  # float64 (_config.CUDA_NORM_PARTS,), by apply_gradient
        # the adam kernel's gradient norm and overflow mark, its launches, its output buffers
        self._status = cuda.to_device(np.zeros(2, np.float64))
        self._calls = 0
        self._next = None
        self._dummy = cuda.to_device(np.zeros(1, self.dtype))
        self._dummy64 = cuda.to_device(np.zeros(1, np.float64))
        self._dummy_y = cuda.to_device(np.zeros((1, 1), self.dtype))

    # ---------------------------------------------------------------------------------------
    # parameters, windows, optimizer state

    def to_device(self, params):
        """Copy a host parameter vector onto the device (keeps the optimizer state).

        Parameters
        ----------
        params : ndarray of shape (n_params,)
        """
        params = np.ascontiguousarray(params, dtype=self.dtype)
        if params.shape != (self.spec.n_params,):
            raise ValueError(f"params must have shape ({self.spec.n_params},)")
        self.params.copy_to_device(params)

    def get_params(self, averaged=False):
        """Host copy of the parameters (``averaged``: of their moving average).

        Returns
        -------
        ndarray of shape (n_params,)
        """
        return (self.average if averaged else self.params).copy_to_host()

    def start_average(self):
        """Start a moving average of the weights from the current ones."""
        self.average = cuda.device_array_like(self.params)
        self.average.copy_to_device(self.params)

    def update_average(self, momentum):
        """``average = momentum * average + (1 - momentum) * params`` on the device (as
        :func:`tsrnn._optim.average_weights`).

        Parameters
        ----------
        momentum : float
            In [0, 1).
        """
        P, tpb = self.spec.n_params, _threads()
        self._k.average[-(-P // tpb), tpb](self.average, self.params, float(momentum))

    def upload_windows(self, X, Y=None, Z=None):
        """Keep training windows on the device; batches then pass ``idx`` only.

        Parameters
        ----------
        X : ndarray of shape (n_windows, window, n_features)
        Y : ndarray of shape (n_windows, n_outputs), optional
        Z : ndarray of shape (n_windows, n_head_features), optional
            Head features; required when the spec has any.
        """
        self._X = self._as_device(X, 3, self.spec.n_features)
        self._Y = None if Y is None else self._as_device(Y, 2, self.spec.n_outputs)
        if self._Y is not None and self._Y.shape[0] != self._X.shape[0]:
            raise ValueError("X and Y have different numbers of windows")
        self._Z = self._head_input(Z, self._X.shape[0])

    def to_device_indices(self, idx):
        """Upload window indices (for example an epoch's permutation) as int64.

        Parameters
        ----------
        idx : array-like of int, shape (batch,)

        Returns
        -------
        numba.cuda device array of shape (batch,)
            Slices of it are batches, without copies.
        """
        return cuda.to_device(np.ascontiguousarray(idx, dtype=np.int64))

    def get_optimizer_state(self):
        """Host copy of Adam's state, in the format of :meth:`tsrnn._optim.Adam.get_state`.

        Returns
        -------
        dict
            ``{"t": int, "m": ndarray (n_params,) or None, "v": ndarray or None}``.
        """
        return {
            "t": self.t,
            "m": None if self.m is None else self.m.copy_to_host(),
            "v": None if self.v is None else self.v.copy_to_host(),
        }

    def set_optimizer_state(self, state):
        """Put back a state from :meth:`get_optimizer_state` or ``Adam.get_state``.

        Parameters
        ----------
        state : dict
        """
        self.t = int(state["t"])
        if state["m"] is None:
            self.m = self.v = None
        else:
            self.m = cuda.to_device(np.ascontiguousarray(state["m"], dtype=self.dtype))
            self.v = cuda.to_device(np.ascontiguousarray(state["v"], dtype=self.dtype))

    # ---------------------------------------------------------------------------------------
    # compute

    @_retry_small_shared
    def forward(self, X=None, idx=None, Z=None, averaged=False):
        """Outputs of the network.

        Parameters
        ----------
        X : ndarray or device array of shape (batch, window, n_features), optional
            None: the windows of :meth:`upload_windows`, rows ``idx``.
        idx : device array or array-like of int, shape (batch,), optional
            Rows of the uploaded windows (all of them when None).
        Z : ndarray of shape (batch, n_head_features), optional
            Head features of ``X`` (with the uploaded windows, theirs are used).
        averaged : bool, default=False
            Use the moving average of the weights (see :meth:`start_average`).

        Returns
        -------
        ndarray of shape (batch, n_outputs)
        """
        X, _, Z, idx = self._batch(X, None, Z, idx, need_y=False)
        B, T = idx.shape[0], X.shape[1]
        ws = self._workspace(B, T, train=False)
        dims = ws["dims_f"]
        args = (
            self.average if averaged else self.params, X, Z, self._dummy_y, idx, dims,
            self._offsets, self._dummy64, ws["hs"], self._dummy, self._dummy, ws["out"],
            self._dummy, self._dummy64,
        )  # fmt: skip
        _launch(self._k.forward, ws["n_blocks"], _threads(), ws["bytes_f"], args)
        return ws["out"].copy_to_host()

    @_retry_small_shared
    def loss_and_grad(
        self, X=None, Y=None, loss="mse", quantiles=None, idx=None, sync=True, Z=None
    ):
        """Loss of a batch and its gradient, left on the device.

        Parameters
        ----------
        X : ndarray or device array of shape (batch, window, n_features), optional
        Y : ndarray or device array of shape (batch, n_outputs), optional
            None (both): the uploaded windows, rows ``idx``.
        Z : ndarray of shape (batch, n_head_features), optional
            Head features of ``X`` (with the uploaded windows, theirs are used).
        loss : {"mse", "mae", "pinball"}
        quantiles : array-like of shape (n_outputs,), optional
            Quantile level of each output (pinball loss).
        idx : device array or array-like of int, shape (batch,), optional
        sync : bool, default True
            Copy the loss to the host (a synchronisation). False returns None for it; the
            value stays in :attr:`last_loss` (a device array of shape (1,)).

        Returns
        -------
        loss : float or None
        grad : device array of shape (n_params,)
            :attr:`grad`, overwritten by the next call.
        """
        X, Y, Z, idx = self._batch(X, Y, Z, idx, need_y=True)
        B, T = idx.shape[0], X.shape[1]
        code = LOSS_CODES[loss]
        ws = self._workspace(B, T, train=True)
        dims_f, dims_b = self._train_dims(ws, code)
        fpar = self._fpar(B, quantiles)
        k, nb, tpb = self._k, ws["n_blocks"], _threads()
        hs, ss, acts, dy = ws["hs"], ws["ss"], ws["acts"], ws["dy"]
        args = (
            self.params, X, Z, Y, idx, dims_f, self._offsets, fpar, hs, ss, acts, ws["out"], dy,
            ws["lossb"],
        )  # fmt: skip
        _launch(k.forward, nb, tpb, ws["bytes_f"], args)
        args = (
            self.params, X, Z, idx, dims_b, self._offsets, hs, ss, acts, dy, ws["dseq"],
            ws["gpart"],
        )  # fmt: skip
        _launch(k.backward, nb, tpb, ws["bytes_b"], args)
        P = self.spec.n_params
        k.reduce[-(-P // tpb), tpb](ws["gpart"], nb, self.grad, ws["lossb"], fpar, self._loss_out)
        value = float(self._loss_out.copy_to_host()[0]) if sync else None
        return value, self.grad

    @property
    def last_loss(self):
        """Device array of shape (1,): the loss of the last batch."""
        return self._loss_out

    def apply_gradient(self, grad=None, clip_norm=None):
        """One Adam step on the device, after optional clipping of the gradient norm.

        Same arithmetic as :func:`tsrnn._optim.clip_grad_norm` then
        :meth:`tsrnn._optim.Adam.update`, and the same guard as the CPU trainer: a gradient
        with a NaN or infinite entry, or a step that would leave a weight or a moment NaN or
        infinite, changes nothing (weights, moments and step count stay as they were).

        Parameters
        ----------
        grad : device array of shape (n_params,), optional
            Default :attr:`grad`. Scaled in place when clipped.
        clip_norm : float or None

        Returns
        -------
        bool
            Whether the step was taken.
        """
        grad = self.grad if grad is None else grad
        P = self.spec.n_params
        if self.m is None:
            self.m = cuda.to_device(np.zeros(P, self.dtype))
            self.v = cuda.to_device(np.zeros(P, self.dtype))
        if self._next is None:  # the buffers the step writes to (see the adam kernel)
            self._next = tuple(cuda.device_array(P, self.dtype) for _ in range(3))
        self.t += 1
        self._calls += 1
        tpb = _threads()
        clip = -1.0 if clip_norm is None else float(clip_norm)
        n_parts = int(_config.CUDA_NORM_PARTS)
        if self._norm_parts is None or self._norm_parts.shape[0] != n_parts:
            self._norm_parts = cuda.device_array(n_parts, np.float64)
        self._k.sqnorm[-(-n_parts // tpb), tpb](grad, self._norm_parts)
        dt = self.dtype.type
        bias1 = 1.0 - self.beta1**self.t
        bias2 = 1.0 - self.beta2**self.t
        hyper = (
            float(dt(self.learning_rate / bias1)), float(dt(self.beta1)), float(dt(self.beta2)),
            float(dt(np.sqrt(bias2))), float(dt(self.epsilon)), clip, float(self._calls),
        )  # fmt: skip
        new_params, new_m, new_v = self._next
        self._k.adam[-(-P // tpb), tpb](
            self.params, grad, self.m, self.v, new_params, new_m, new_v, self._norm_parts,
            hyper, self._status,
        )  # fmt: skip
        norm, bad = self._status.copy_to_host()
        if not np.isfinite(norm) or bad == self._calls:
            self.t -= 1
            return False
        self._next = (self.params, self.m, self.v)
        self.params, self.m, self.v = new_params, new_m, new_v
        return True

    # ---------------------------------------------------------------------------------------
    # internals

    @property
    def _k(self):
        """The kernels for this dtype and the current compile-time tunables (built once)."""
        return build(self.dtype.type)

    def _as_device(self, a, ndim, last):
        if _is_device_array(a):
            a = _as_numba(a)
            if a.dtype != self.dtype or a.ndim != ndim:
                raise ValueError(f"device array must be {ndim}-D of dtype {self.dtype}")
        else:
            a = np.ascontiguousarray(a, dtype=self.dtype)
            if a.ndim != ndim:
                raise ValueError(f"expected a {ndim}-D array, got shape {a.shape}")
            a = cuda.to_device(a)
        if a.shape[a.ndim - 1] != last:
            raise ValueError(f"last dimension must be {last}, got shape {a.shape}")
        return a

    def _head_input(self, Z, n):
        """Head features on the device, (n, E); a dummy (1, 1) array when E = 0."""
        E = self.spec.n_head_features
        if E == 0:
            if Z is not None and np.shape(Z)[-1] != 0:
                raise ValueError("the network takes no head features; Z must be None")
            return self._dummy_y
        if Z is None:
            raise ValueError(f"the network takes {E} head features per window: pass Z")
        Z = self._as_device(Z, 2, E)
        if Z.shape[0] != n:
            raise ValueError("X and Z have different numbers of windows")
        return Z

    def _batch(self, X, Y, Z, idx, need_y):
        if X is None:
            if self._X is None:
                raise ValueError("no X given and no windows uploaded (upload_windows)")
            X, Y, Z = self._X, self._Y, self._Z
            if need_y and Y is None:
                raise ValueError("the uploaded windows have no targets Y")
        else:
            X = self._as_device(X, 3, self.spec.n_features)
            Z = self._head_input(Z, X.shape[0])
            if need_y:
                if Y is None:
                    raise ValueError("X given without Y")
                Y = self._as_device(Y, 2, self.spec.n_outputs)
                if Y.shape[0] != X.shape[0]:
                    raise ValueError("X and Y have different numbers of windows")
        if idx is None:
            idx = self._arange(X.shape[0])
        elif _is_device_array(idx):
            idx = _as_numba(idx)
        else:
            idx = self.to_device_indices(idx)
        if idx.shape[0] == 0:
            raise ValueError("empty batch")
        return X, Y, Z, idx

    def _arange(self, n):
        key = ("arange", n)
        if key not in self._cache:
            self._cache[key] = cuda.to_device(np.arange(n, dtype=np.int64))
        return self._cache[key]

    def _fpar(self, B, quantiles):
        O = self.spec.n_outputs
        q = np.full(O, 0.5) if quantiles is None else np.asarray(quantiles, dtype=np.float64)
        norm = float(B * O)
        host = np.concatenate([[norm], q.reshape(O)])
        key = ("fpar", host.tobytes())
        if key not in self._cache:
            self._cache[key] = cuda.to_device(host)
        return self._cache[key]

    def _dims(self, B, T, S, mode, train, code):
        s = self.spec
        host = np.zeros(N_DIMS, np.int64)
        host[[D_CELL, D_F, D_H, D_L, D_O, D_E]] = s.dims
        host[D_T], host[D_B], host[D_S], host[D_MODE] = T, B, S, mode
        host[D_TRAIN], host[D_LOSS] = int(train), code
        key = ("dims", host.tobytes())
        if key not in self._cache:
            self._cache[key] = cuda.to_device(host)
        return self._cache[key], host

    def _pick_mode(self, S, backward):
        """Largest shared-memory mode that fits, and its bytes."""
        limit = _shared_limit()
        for mode in (2, 1, 0):
            if mode == 2 and self.spec.num_layers == 1:
                continue
            nbytes = shared_words(self.spec, S, mode, backward) * self.dtype.itemsize
            if nbytes <= limit or mode == 0:
                return mode, nbytes
        raise AssertionError("unreachable")

    def _train_dims(self, ws, code):
        B, T, S = ws["B"], ws["T"], ws["S"]
        dims_f, _ = self._dims(B, T, S, ws["mode_f"], True, code)
        dims_b, _ = self._dims(B, T, S, ws["mode_b"], True, code)
        return dims_f, dims_b

    def _workspace(self, B, T, train):
        S = max(1, int(_config.CUDA_SEQS_PER_BLOCK))
        key = ("ws", B, T, S, train, _shared_limit())
        ws = self._cache.get(key)
        if ws is not None:
            return ws
        for old in [k for k in self._cache if k[0] == "ws" and k[4] == train]:
            del self._cache[old]  # one workspace per kind: the old batch shape goes
        s, dt = self.spec, self.dtype
        H, L, O, G = s.hidden_size, s.num_layers, s.n_outputs, s.gates
        n_blocks = -(-B // S)
        mode_f, bytes_f = self._pick_mode(S, backward=False)
        ws = {"B": B, "T": T, "S": S, "n_blocks": n_blocks, "mode_f": mode_f, "bytes_f": bytes_f}
        ws["out"] = cuda.device_array((B, O), dt)
        if train:
            mode_b, bytes_b = self._pick_mode(S, backward=True)
            ws["mode_b"], ws["bytes_b"] = mode_b, bytes_b
            ws["hs"] = cuda.device_array(L * B * (T + 1) * H, dt)
            ws["ss"] = cuda.device_array(L * B * (T + 1) * H, dt)
            ws["acts"] = cuda.device_array(L * B * T * G * H, dt)
            ws["dy"] = cuda.device_array(B * O, dt)
            ws["lossb"] = cuda.device_array(B * O, np.float64)
            ws["dseq"] = cuda.device_array(B * T * H if L > 1 else 1, dt)
            ws["gpart"] = cuda.device_array(n_blocks * s.n_params, dt)
        else:
            ws["hs"] = cuda.device_array(min(L, 2) * B * (T + 1) * H, dt)
            ws["dims_f"], _ = self._dims(B, T, S, mode_f, False, 0)
        self._cache[key] = ws
        return ws
