"""The restore's republish step (deploy.backup.republish) finds whether a listener handled an event by the
name its @handle_once records in processed_events: that name must be what republish derives."""
import importlib

from deploy import backup
from deploy.processes import SERVICE_CLASSES


def recorded_name(method) -> str:
    """The handler name a @handle_once wrapper was given (held in its closure)."""
    cells = dict(zip(method.__code__.co_freevars, method.__closure__ or (), strict=True))
    return cells["handler_name"].cell_contents


def test_republish_looks_up_each_listener_under_the_name_it_records():
    for s in backup.subscriptions():
        cls = getattr(importlib.import_module(f"services.{s.service}.service"), SERVICE_CLASSES[s.service])
        assert recorded_name(getattr(cls, s.method)) == backup.handler_name(s.service, s.method)
