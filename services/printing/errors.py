"""The printing service's own error: the local print system cannot be reached or used (503)."""
from nameko.exceptions import deserialize_to_instance

from services.common.errors import ServiceError


@deserialize_to_instance
class PrinterUnavailable(ServiceError):
    status = 503
    code = "printer_unavailable"
