"""The OpenAPI 3 description, built from the routes themselves so it cannot drift from them."""
import re

from flask import Flask

from gateway.openapi_imports import SCHEMAS as IMPORT_SCHEMAS
from gateway.openapi_imports import import_operation
from gateway.openapi_messages import SCHEMAS as MESSAGE_SCHEMAS
from gateway.openapi_messages import messages_operation

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"},
        "message": {"type": "string", "description": "中文说明"},
        "details": {"type": "array", "items": {}},
        "request_id": {"type": "string", "description": "5xx only: the request's id (its X-Request-ID answer "
                       "header), which the logs of the request carry; a 500's message quotes it"},
    }, "required": ["code", "message", "details"]}},
}
PUBLIC = {"/api/v1/auth/token", "/api/v1/health", "/api/v1/openapi.json", "/api/v1/vocabulary"}


def _operation(app: Flask, rule, method: str) -> dict:
    view = app.view_functions[rule.endpoint]
    doc = (view.__doc__ or rule.endpoint).strip().splitlines()[0]
    op = {
        "operationId": f"{rule.endpoint}.{method.lower()}",
        "summary": doc,
        "parameters": [
            {"name": arg, "in": "path", "required": True, "schema": {"type": "string"}}
            for arg in sorted(rule.arguments)
        ],
        "responses": {
            "200": {"description": "成功"},
            "default": {"description": "错误", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    }
    if rule.rule in PUBLIC or rule.rule.startswith("/api/v1/verify/"):
        op["security"] = []
    imports = import_operation(rule.endpoint)
    if imports:
        op["parameters"] += imports["parameters"]
        op["requestBody"] = imports["requestBody"]
        op["responses"].update(imports["responses"])
    messages = messages_operation(rule.endpoint)
    if messages:
        op["description"] = " ".join((view.__doc__ or "").split())
        op["parameters"] += messages["parameters"]
        if "requestBody" in messages:
            op["requestBody"] = messages["requestBody"]
        op["responses"].update(messages["responses"])
    return op


def build_spec(app: Flask) -> dict:
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(app, rule, method)
    return {
        "openapi": "3.0.3",
        "info": {"title": "中职毕业审核验印系统 API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA, **IMPORT_SCHEMAS, **MESSAGE_SCHEMAS},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
