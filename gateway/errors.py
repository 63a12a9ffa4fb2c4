"""Every API failure is `{"error": {"code", "message", "details"}}` with a Chinese message.

A server-side failure (5xx) also says which request it was: `error.request_id`, the request's id
(X-Request-ID, gateway/request_id.py), which every log line of the request carries, in the gateway and
in the services; a 500's message quotes it (（编号：…）) for a clerk to pass on.
"""
import logging

from flask import Flask, jsonify, request
from flask_wtf.csrf import CSRFError
from nameko.exceptions import RemoteError, RpcTimeout
from werkzeug.exceptions import HTTPException

from gateway.request_id import request_id
from services.common.errors import InvalidRows, ServiceError
from services.common.sheet_limits import MAX_UPLOAD_BYTES, MB

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: "请求格式不正确",
    401: "请先登录",
    403: "没有权限执行此操作",
    404: "找不到请求的资源",
    405: "不支持此请求方法",
    413: f"文件超过{MAX_UPLOAD_BYTES // MB}MB，无法上传：表格请按班级或学期拆分成几个文件分别导入，照片请分批打包上传",
    429: "请求过于频繁，请稍后再试",
}


def error_response(status: int, code: str, message: str, details: list | None = None):
    error = {"code": code, "message": message, "details": details or []}
    if status >= 500:
        rid = request_id()
        if status == 500:
            error["message"] = f"{message}（编号：{rid}）"
        error["request_id"] = rid
    return jsonify({"error": error}), status


def register(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        response, status = error_response(exc.status, exc.code, exc.message, exc.details)
        if isinstance(exc, InvalidRows):  # imports also answer in their own shape: imported, errors
            body = response.get_json()
            body.update(imported=0, errors=exc.details)
            if getattr(exc, "annotated_file", None):
                body["annotated_file"] = exc.annotated_file
            response = jsonify(body)
        return response, status

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(400, "csrf", "页面已过期或缺少安全校验码，请刷新页面后重试")

    @app.errorhandler(RpcTimeout)
    def rpc_timeout(exc: RpcTimeout):
        app.extensions["rpc"].reset()
        return error_response(503, "service_timeout", "后台服务繁忙或暂时不可用，请稍后重试")

    @app.errorhandler(RemoteError)
    def remote_error(exc: RemoteError):
        log.error("remote error on %s: %s", request.path, exc)
        return error_response(500, "internal", "服务内部错误，请稍后重试；如果一直出现，请联系管理员")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if not request.path.startswith("/api/"):
            return exc
        return error_response(exc.code or 500, exc.name.lower().replace(" ", "_"),
                              HTTP_MESSAGES.get(exc.code, exc.description or "请求失败"))
