"""Unit-test fixtures: fakes of the commands the printing code runs."""
import os
import stat

import pytest


@pytest.fixture
def fake_commands(tmp_path, monkeypatch):
    """Put scripts named like CUPS's commands first on PATH."""
    def make(name: str, body: str) -> None:
        path = tmp_path / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    return make
