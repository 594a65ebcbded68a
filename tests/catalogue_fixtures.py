"""A copy of the lever catalogue that a test may edit (model/policy/levers)."""

from __future__ import annotations

import shutil

import pytest

from model.policy.catalogue import CATALOGUE_DIR


@pytest.fixture
def catalogue_copy(tmp_path):
    directory = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, directory)
    return directory
