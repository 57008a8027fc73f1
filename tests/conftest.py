import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))  # tests/opcases.py


@pytest.fixture(autouse=True)
def _seed():
    import reograd

    reograd.manual_seed(0)
    np.random.seed(0)
    yield


def pytest_collection_modifyitems(config, items):
    try:
        import torch  # noqa: F401
    except ImportError:
        skip = pytest.mark.skip(reason="torch is not installed: parity tests need it (pip install torch==2.13.0)")
        for item in items:
            if "parity" in item.keywords:
                item.add_marker(skip)
