"""Tests of the face and the layering of the package tsrnn._data."""

import ast
import pathlib
import re

import pytest

import tsrnn
from tsrnn import _data

PACKAGE = pathlib.Path(tsrnn.__file__).parent
# each module imports only from the modules before it (data flows down this list)
LAYERS = ["validation", "series", "calendar", "seasonality", "windows", "covariates", "output"]


def test_all_lists_exactly_the_names_the_package_uses():
    used = set()
    for path in PACKAGE.rglob("*.py"):
        if "_data" not in path.relative_to(PACKAGE).parts[:1]:
            used |= set(re.findall(r"\b_data\.([A-Za-z_]\w*)", path.read_text()))
    assert used, "no use of _data found: the test reads the wrong files"
    assert sorted(_data.__all__) == sorted(used)
    for name in _data.__all__:
        assert hasattr(_data, name), name


def test_modules_cover_the_package():
    found = {p.stem for p in (PACKAGE / "_data").glob("*.py")} - {"__init__"}
    assert found == set(LAYERS)


@pytest.mark.parametrize("module", LAYERS)
def test_imports_follow_the_data_flow(module):
    tree = ast.parse((PACKAGE / "_data" / f"{module}.py").read_text())
    below = set(LAYERS[: LAYERS.index(module)])
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            assert node.level == 1 and node.module in below, (module, node.module)
        if isinstance(node, ast.ImportFrom) and node.module and "forecaster" in node.module:
            pytest.fail(f"{module} imports the estimator")
