"""Pretraining a base model on a Dask cluster: the chunks of :func:`tsrnn._pretrain.pretrain`
made on the workers and trained data-parallel.

Each part of a chunk (:func:`tsrnn._pretrain.synthetic_windows`) is made by a task on a
worker and stays there as a shard; the next chunk's parts are made while the current one
trains. The steps run through the trainer of :class:`tsrnn.dask.DaskRNNForecaster`
(:class:`.client._DaskTrainer`): the gradients of the parts' shares of a batch are summed in
part order on the client, which makes one update. The chunk's windows are the parts one after
the other, as :func:`~tsrnn._pretrain.pretrain` joins them on one machine, so a run computes
the same steps on a cluster as on one machine, to float rounding (bit for bit with one part).
"""

import numpy as np
from distributed import Client

from .client import _DaskTrainer, check_workers
from .workers import _synthetic_shard


class DaskChunks:
    """The chunks of a pretraining run, made and trained on a Dask cluster.

    Parameters
    ----------
    scheduler : str or distributed.Client
        The scheduler's address, or a client (which stays open).
    s : dict
        The run's settings (``seed``, ``chunk``, ``window``, ``horizon``, ``parts``).
    n_levels : int
        Quantile levels of the outputs.
    total : int
        Chunks of the whole run.
    """

    def __init__(self, scheduler, s, n_levels, total):
        own = not isinstance(scheduler, Client)
        self.client = Client(scheduler, set_as_default=False) if own else scheduler
        self._own = own
        check_workers(self.client)
        self.s, self.n_levels, self.total = s, n_levels, total
        self.parts = s["parts"]
        self.pending = {}

    def _submit(self, k):
        s = self.s
        self.pending[k] = [
            self.client.submit(_synthetic_shard, s["seed"], k, s["chunk"], s["window"],
                               s["horizon"], p, self.parts, self.n_levels, pure=False)
            for p in range(self.parts)
        ]  # fmt: skip

    def trainer(self, k, spec, params, optimizer, levels):
        """A trainer over chunk ``k``'s windows on the workers, and their number."""
        for j in (k, k + 1):  # the next chunk is made while this one trains
            if j < self.total and j not in self.pending:
                self._submit(j)
        shards = self.pending.pop(k)
        per_part = self.s["chunk"] // self.parts  # every part has as many windows
        offsets = np.arange(self.parts + 1, dtype=np.int64) * per_part
        trainer = _DaskTrainer(self.client, shards, offsets, spec, params, optimizer,
                               "pinball", 1.0, levels, None, "mse")  # fmt: skip
        return trainer, int(offsets[-1])

    def threads(self):
        """Threads of all the workers."""
        return int(sum(self.client.nthreads().values()))

    def machine(self):
        return f"Dask cluster of {len(self.client.nthreads())} workers"

    def close(self):
        self.pending.clear()
        if self._own:
            self.client.close()
