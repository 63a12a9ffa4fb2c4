"""deploy/setup.sh, where it cannot install: one line naming what is missing and how to install it."""
import os
import shutil
import subprocess
import tempfile

import pytest

from tests.support.processes import ROOT

SETUP = os.path.join(ROOT, "deploy", "setup.sh")


@pytest.fixture
def bin_dir():
    """A folder the unprivileged user can reach (pytest's tmp_path is private to root)."""
    path = tempfile.mkdtemp(prefix="biye-setup-")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path)


def run_as_nobody(bin_dir: str, *args: str) -> subprocess.CompletedProcess:
    """The script as an unprivileged user whose package manager reports nothing installed."""
    fake = os.path.join(bin_dir, "dpkg-query")
    with open(fake, "w") as f:
        f.write("#!/bin/sh\nexit 1\n")
    os.chmod(fake, 0o755)
    env = {"PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME": bin_dir}
    command = ["bash", SETUP, *args]
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)


@pytest.mark.skipif(os.geteuid() == 0 and not shutil.which("setpriv"), reason="needs setpriv to drop root")
@pytest.mark.parametrize("mode, packages", [
    ("demo", "fonts-wqy-zenhei cups cups-client cups-bsd cups-ipp-utils printer-driver-cups-pdf"),
    ("test", "fonts-wqy-zenhei cups cups-client cups-bsd cups-ipp-utils printer-driver-cups-pdf chromium "
             "chromium-driver poppler-utils libreoffice-calc-nogui"),
])
def test_without_root_it_stops_at_once_with_one_line(bin_dir, mode, packages):
    done = run_as_nobody(bin_dir, mode)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (f"setup: 缺少系统软件包: {packages} —— 请以 root 运行: apt-get update && "
                           f"apt-get install -y --no-install-recommends {packages}\n")


def test_an_unknown_mode_is_refused():
    done = subprocess.run(["bash", SETUP, "everything"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "用法" in done.stderr
