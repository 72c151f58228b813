"""The package as its users meet it: the version, the type information (PEP 561)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

import aiohttpc

ROOT = Path(__file__).resolve().parent.parent


def test_version_is_the_installed_distributions():
    assert aiohttpc.__version__ == version("aiohttpc")
    out = subprocess.run(
        [sys.executable, "-m", "aiohttpc", "--version"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and out.stdout.strip() == f"aiohttpc {aiohttpc.__version__}"


def test_both_packages_say_they_are_typed_and_ship_it():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data = config["tool"]["setuptools"]["package-data"]
    for package in ("aiohttpc", "sync_facade"):
        assert files(package).joinpath("py.typed").is_file()
        assert "py.typed" in data[package]
