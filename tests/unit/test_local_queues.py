"""`make up` (deploy.local up/run) migrates the broker's queues before it starts a service, and starts none
when a queue could not be migrated. The migration itself, on a real broker: tests/integration/test_quorum_queues.py."""
import pytest

from deploy import local


@pytest.fixture
def runner(monkeypatch, tmp_path):
    calls: list[str] = []
    monkeypatch.setattr(local, "RUN_DIR", str(tmp_path / "run"))
    monkeypatch.setattr(local, "LOG_DIR", str(tmp_path / "log"))
    monkeypatch.setattr(local, "createdb", lambda: calls.append("createdb"))
    monkeypatch.setattr(local, "running_pid", lambda name: None)
    monkeypatch.setattr(local, "wait_healthy", lambda: True)

    class Child:  # a process that has exited already: `run` then stops
        pid, returncode = 4242, 0

        def poll(self):
            return 0

        def wait(self, timeout=None):
            return 0

    def spawn(proc, background):
        calls.append(f"spawn {proc.name}")
        return Child()
    monkeypatch.setattr(local, "spawn", spawn)
    return calls


@pytest.mark.parametrize("command", [local.up, local.run])
def test_queues_are_migrated_before_any_service_starts(runner, monkeypatch, command):
    monkeypatch.setattr(local, "migrate_queues", lambda: runner.append("migrate") or True)
    assert command() == 0
    assert runner[:2] == ["createdb", "migrate"] and runner[2].startswith("spawn ")


@pytest.mark.parametrize("command", [local.up, local.run])
def test_nothing_starts_when_a_queue_could_not_be_migrated(runner, monkeypatch, command):
    monkeypatch.setattr(local, "migrate_queues", lambda: runner.append("migrate") or False)
    assert command() == 1
    assert runner == ["createdb", "migrate"]
