"""Machinery of :mod:`tsrnn.dask` (imports dask; the core package never imports it).

:mod:`.workers` holds what runs on the Dask workers (the shards of training windows, their
gradients, validation sums and forecasts); :mod:`.client` the client's side (the trainer the
epoch loop drives, the global split, the first fit's decisions, the version check);
:mod:`.pretrain` the chunks of a base model's pretraining on a cluster.
"""
