"""The examples that open module docstrings run, so they stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import certsvc

pytestmark = pytest.mark.no_database


def _modules() -> list[str]:
    names = [info.name for info in pkgutil.walk_packages(certsvc.__path__, "certsvc.")
             if ".migrations" not in info.name]
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0
