"""Errors that cross the RPC boundary and become HTTP answers at the gateway.

Each is registered with nameko so the gateway receives an instance with its details, not a
generic RemoteError. The message is Chinese text meant for the person who caused it.
"""
import json

from nameko.exceptions import deserialize_to_instance


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: list | str | None = None):
        # Details cross RPC as JSON text: nameko would turn every number in them into a string.
        if isinstance(details, str):
            details = json.loads(details)
        super().__init__(message, json.dumps(details or [], ensure_ascii=False))
        self.message = message
        self.details = details or []


@deserialize_to_instance
class BadInput(ServiceError):
    status = 400
    code = "bad_request"


@deserialize_to_instance
class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


@deserialize_to_instance
class NotFound(ServiceError):
    status = 404
    code = "not_found"


@deserialize_to_instance
class Conflict(ServiceError):
    status = 409
    code = "conflict"


@deserialize_to_instance
class TooLarge(ServiceError):
    status = 413
    code = "too_large"


@deserialize_to_instance
class InvalidRows(ServiceError):
    """The file was understood but rows are wrong; details are {row, column, message}."""

    status = 422
    code = "invalid_rows"
