"""Weights shipped with tsrnn: the pretrained base model (``base.tsrnn``), read by
:meth:`tsrnn.RNNForecaster.from_pretrained` and ``RNNForecaster(init="base")``."""
