"""The parameter layout of a network, shared by every engine: :class:`NetworkSpec`.

A network is a stack of recurrent layers and a dense head over one flat parameter vector
(float32 or float64, one 1-D array): for each layer ``l = 0 .. num_layers - 1`` in order
``W_ih`` of shape ``(G * H, F_l)`` row-major, ``W_hh`` ``(G * H, H)``, ``b_ih`` ``(G * H,)``,
``b_hh`` ``(G * H,)``; then the head ``W_out`` ``(n_outputs, H + E)`` and ``b_out``
``(n_outputs,)``. ``G`` is 4 for the LSTM (gates i, f, g, o), 3 for the GRU (r, z, n) and 1 for
the Elman cell; ``F_0 = n_features`` and ``F_l = H`` above. Where each block starts is the
offset table :attr:`NetworkSpec.offsets`, computed once per spec and passed to every engine,
CPU (:mod:`tsrnn._network`) and CUDA (:mod:`tsrnn._cuda`) alike. The blocks are exactly
PyTorch's ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` and
``nn.Linear``'s ``weight`` and ``bias``. The head reads the last hidden state of the top layer
followed by ``E`` head features of the sequence (``E = n_head_features``, often 0): values
known for the whole output, such as the covariates of the forecast horizon, that reach the
outputs directly instead of through the recurrence.

The cell and loss codes here are what the engines' kernels take.
"""

from dataclasses import dataclass
from functools import cache
from math import sqrt

import numpy as np

LSTM, GRU, RNN = 0, 1, 2
CELL_CODES = {"lstm": LSTM, "gru": GRU, "rnn": RNN}
N_GATES = {LSTM: 4, GRU: 3, RNN: 1}

MSE, MAE, PINBALL = 0, 1, 2
#: Loss names -> codes. "mse" and "mae" are means over every output of the batch; "pinball"
#: is the mean quantile loss, each output column with its own quantile level.
LOSS_CODES = {"mse": MSE, "mae": MAE, "pinball": PINBALL}


#: Columns of the offset table :attr:`NetworkSpec.offsets`, an int64 array of shape
#: ``(num_layers + 1, 4)``. Row ``l < num_layers``: where ``W_ih``, ``W_hh``, ``b_ih`` and
#: ``b_hh`` of layer ``l`` start in the parameter vector. Last row (``num_layers``): where
#: ``W_out`` and ``b_out`` start, then ``n_params`` (where the vector ends), then 0.
W_IH, W_HH, B_IH, B_HH = 0, 1, 2, 3
W_OUT, B_OUT, END = 0, 1, 2


@dataclass(frozen=True)
class NetworkSpec:
    """Shape of a network: cell, widths, depth and number of outputs.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}
    n_features : int
        Inputs per time step.
    hidden_size : int
    num_layers : int
    n_outputs : int
        Outputs of the dense head.
    n_head_features : int, default=0
        Features of each sequence that the head reads beside the last hidden state.
    """

    cell: str
    n_features: int
    hidden_size: int
    num_layers: int
    n_outputs: int
    n_head_features: int = 0

    @property
    def cell_code(self):
        return CELL_CODES[self.cell]

    @property
    def gates(self):
        return N_GATES[self.cell_code]

    @property
    def dims(self):
        """int64 array ``[cell, n_features, hidden_size, num_layers, n_outputs, n_head]``."""
        return np.array(
            [self.cell_code, self.n_features, self.hidden_size, self.num_layers,
             self.n_outputs, self.n_head_features],
            dtype=np.int64,
        )  # fmt: skip

    def _shapes(self):
        """Shapes of the blocks in vector order, in rows of the offset table."""
        G, H = self.gates, self.hidden_size
        rows = []
        for layer in range(self.num_layers):
            n_in = self.n_features if layer == 0 else H
            rows.append(((G * H, n_in), (G * H, H), (G * H,), (G * H,)))
        rows.append(((self.n_outputs, H + self.n_head_features), (self.n_outputs,)))
        return rows

    @property
    def offsets(self):
        """Where every parameter block starts: the one layout table of every engine.

        Computed once per spec (and kept outside the instance, whose state stays its
        fields); the CPU and CUDA kernels receive it as an argument and derive no offset of
        their own.

        Returns
        -------
        ndarray of shape (num_layers + 1, 4), int64, read-only
            ``offsets[l, W_IH]``, ``offsets[l, W_HH]``, ``offsets[l, B_IH]``,
            ``offsets[l, B_HH]`` for layer ``l``; ``offsets[num_layers, W_OUT]``,
            ``offsets[num_layers, B_OUT]`` and ``offsets[num_layers, END] = n_params``
            (module constants ``W_IH`` ... ``END``).
        """
        return _offset_table(self)

    def blocks(self):
        """Named parameter blocks in vector order (see :attr:`offsets`).

        Returns
        -------
        list of (str, int, tuple)
            ``(name, offset, shape)`` with names ``W_ih_l0``, ``W_hh_l0``, ``b_ih_l0``,
            ``b_hh_l0``, ..., ``W_out``, ``b_out``.
        """
        out = []
        for layer, (row, shapes) in enumerate(zip(self.offsets, self._shapes(), strict=True)):
            names = (
                ("W_out", "b_out") if layer == self.num_layers
                else tuple(f"{n}_l{layer}" for n in ("W_ih", "W_hh", "b_ih", "b_hh"))
            )  # fmt: skip
            out.extend(
                (name, int(row[k]), shape)
                for k, (name, shape) in enumerate(zip(names, shapes, strict=True))
            )
        return out

    @property
    def n_params(self):
        return int(self.offsets[self.num_layers, END])

    def unpack(self, params):
        """Views of the blocks of ``params``, by name (see :meth:`blocks`)."""
        return {
            name: params[offset : offset + int(np.prod(shape))].reshape(shape)
            for name, offset, shape in self.blocks()
        }

    def params_for(self, params, spec):
        """``params`` of this network laid out for ``spec``, a network that differs in its
        output layer alone: each block's first rows and columns carried over, the rest zero
        (``W_out`` of fewer outputs keeps its first rows; of more head features, zero new
        columns).

        Returns
        -------
        ndarray of shape (spec.n_params,)
        """
        old = self.unpack(params)
        out = np.zeros(spec.n_params, dtype=params.dtype)
        for name, block in spec.unpack(out).items():
            source = old[name][: block.shape[0]]
            block[..., : source.shape[-1]] = source
        return out

    def init_params(self, rng, dtype=np.float32):
        """PyTorch's initialisation: every block uniform in ``±1 / sqrt(hidden_size)``.

        Parameters
        ----------
        rng : numpy.random.Generator
        dtype : {np.float32, np.float64}

        Returns
        -------
        ndarray of shape (n_params,)
        """
        bound = 1.0 / sqrt(self.hidden_size)
        return rng.uniform(-bound, bound, self.n_params).astype(dtype)


@cache
def _offset_table(spec):
    """:attr:`NetworkSpec.offsets` of ``spec``, built once per distinct spec."""
    table = np.zeros((spec.num_layers + 1, 4), dtype=np.int64)
    offset = 0
    for row, shapes in zip(table, spec._shapes(), strict=True):
        for column, shape in enumerate(shapes):
            row[column] = offset
            offset += int(np.prod(shape))
    table[spec.num_layers, END] = offset
    table.setflags(write=False)
    return table
