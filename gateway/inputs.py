"""What a request brings, read one way for every blueprint: the services' RPC client, JSON bodies and
true/false flags."""
from flask import current_app, request

from services.common.errors import BadInput

TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no", "")


def rpc():
    """The gateway's RPC client to the services (gateway.rpc.Rpc)."""
    return current_app.extensions["rpc"]


def json_body(shape: str = "") -> dict:
    """The request's JSON object; 400 saying the expected `shape` when there is none."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInput(f"请求体应为 {shape}" if shape else "请求体应为JSON对象")
    return body


def optional_json_body() -> dict:
    """The request's JSON object, or {} when it sent none (every field then takes its default)."""
    body = request.get_json(silent=True)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise BadInput("请求体应为JSON对象")
    return body


def flag(value: object, name: str, meaning: str = "") -> bool:
    """A true/false field: a JSON boolean, or true|1|yes / false|0|no as text; absent is false."""
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text not in TRUE + FALSE:
        raise BadInput(f"{name} 应为 true 或 false" + (f"：{meaning}" if meaning else ""))
    return text in TRUE
