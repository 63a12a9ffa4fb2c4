"""Every event handler in the services is listed in SUBSCRIPTIONS, so publishers declare its queue."""
import importlib

from nameko.events import EventHandler
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from deploy.processes import SERVICE_CLASSES
from services.common.events import SUBSCRIPTIONS, Subscription


def handlers_in_code() -> set[Subscription]:
    found = set()
    for name, cls_name in SERVICE_CLASSES.items():
        cls = getattr(importlib.import_module(f"services.{name}.service"), cls_name)
        for attr in dir(cls):
            for ext in getattr(getattr(cls, attr), ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(ext, EventHandler):
                    found.add(Subscription(ext.source_service, ext.event_type, name, attr))
    return found


def test_subscriptions_match_the_handlers():
    assert handlers_in_code() == set(SUBSCRIPTIONS)
