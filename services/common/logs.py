"""Log lines of the services and the gateway: one JSON object a line, with the correlation id.

Every line has `timestamp` (UTC, ISO 8601), `level`, `logger`, `message`, `service` and
`correlation_id` (null outside of any request or worker); a line written by an event handler's worker
also `event_type` and `event_id`; a failure `exc_info` (the traceback); a worker's closing line
`entrypoint`, `kind`, `outcome`, `duration_ms`. Chinese text is written as it is, not \\u-escaped, so
`grep 已处理 var/log/review.log` finds it, and a message is the same text as before: a search for
a substring of it finds its line.

LOG_FORMAT=plain (services' config.yml, the gateway's gunicorn_conf.py) writes
`<time> <LEVEL> <logger> [<correlation id>]: <message>` instead, for reading by eye.

The services configure logging in their config.yml (nameko's LOGGING, a dictConfig):

    filters:   {context: {"()": services.common.logs.ContextFilter, service: roster}}
    formatters: {json: {"()": services.common.logs.JsonFormatter}, plain: {"()": services.common.logs.PlainFormatter}}
    handlers:  {console: {class: logging.StreamHandler, formatter: "${LOG_FORMAT:json}", filters: [context]}}

the gateway through `dict_config("gateway", ...)`.
"""
import datetime as dt
import logging
import os

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from services.common import correlation

FIELDS = ("levelname", "name", "message", "service", "correlation_id")
RENAMED = {"levelname": "level", "name": "logger"}
FORMATS = ("json", "plain")


# nameko's line for a worker that raised: a traceback at ERROR even for a domain error (not found, bad input).
# correlation.Correlation's closing line of the worker says it instead, with the traceback where one helps.
NAMEKO_WORKER_ERRORS = ("error handling worker %s: %s", "(expected) error handling worker %s: %s")


class ContextFilter(logging.Filter):
    """Gives every record passing a handler its `service` and `correlation_id` (and the event of an
    event handler's worker); a value the caller passed in `extra` stays. Put it on the handler, so
    records propagated from every logger get it. Drops nameko's own line of a failed worker
    (NAMEKO_WORKER_ERRORS)."""

    def __init__(self, service: str | None = None) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "nameko.containers" and record.msg in NAMEKO_WORKER_ERRORS:
            return False
        if getattr(record, "service", None) is None:
            record.service = self.service or correlation.service_name()
        if getattr(record, "correlation_id", None) is None:
            record.correlation_id = correlation.current()
        for key, value in (correlation.current_event() or {}).items():
            if getattr(record, key, None) is None:
                setattr(record, key, value)
        return True


class JsonFormatter(_JsonFormatter):
    """python-json-logger's formatter with this system's fields (the module doc), timestamp first."""

    def __init__(self) -> None:
        super().__init__(list(FIELDS), rename_fields=dict(RENAMED), json_ensure_ascii=False)

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        log_data["timestamp"] = dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds")
        super().add_fields(log_data, record, message_dict)


class PlainFormatter(logging.Formatter):
    """`<time> <LEVEL> <logger> [<correlation id>]: <message>` (LOG_FORMAT=plain)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(correlation_id)s]: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        return self._fmt % {**record.__dict__, "correlation_id": getattr(record, "correlation_id", None) or "-"}


def log_format(value: str | None = None) -> str:
    """LOG_FORMAT (json unless it says plain)."""
    value = (value if value is not None else os.environ.get("LOG_FORMAT", "json")).strip().lower()
    return value if value in FORMATS else "json"


def dict_config(service: str, level: str | None = None, fmt: str | None = None) -> dict:
    """A logging dictConfig: every line to stderr through the root logger, as `fmt` (LOG_FORMAT),
    at `level` (LOG_LEVEL, default INFO), with the service's name and the correlation id."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter, "service": service}},
        "formatters": {"json": {"()": JsonFormatter}, "plain": {"()": PlainFormatter}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format(fmt),
                                 "filters": ["context"]}},
        "root": {"level": (level or os.environ.get("LOG_LEVEL") or "INFO").upper(), "handlers": ["console"]},
    }
