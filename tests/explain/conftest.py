"""The captum fixture of the explain tests."""
import warnings

import pytest


@pytest.fixture
def captum():
    """captum.attr, with its 'required_grads has been set automatically' chatter silenced."""
    ca = pytest.importorskip("captum.attr")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield ca
