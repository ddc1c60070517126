"""Shared test configuration."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    """Seeded random generator, fresh for every test."""
    return np.random.default_rng(12345)
