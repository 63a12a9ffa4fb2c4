"""The OpenAPI description of the dead-letter queue and the handlers' failures (gateway/api/dead_letters.py):
what the page 消息处理故障 reads and does, for the province admin."""

FAILURE = {"type": "object", "description": "处理程序记录的一次失败（各服务表 event_failures）", "properties": {
    "event_id": {"type": "string", "format": "uuid"},
    "handler": {"type": "string", "description": "处理程序，如 numbering.on_review_approved"},
    "event_type": {"type": "string", "nullable": True},
    "service": {"type": "string"},
    "attempts": {"type": "integer", "description": "失败次数"},
    "last_error": {"type": "string", "description": "最近一次的错误（身份证号已隐去中间8位）"},
    "last_trace": {"type": "string", "description": "最近一次的调用栈（业务错误没有）"},
    "outcome": {"type": "string", "enum": ["retrying", "gave_up", "handled", "discarded"],
                "description": "retrying 正在重试（或已进入死信队列）；gave_up 业务错误，已放弃；"
                               "handled 后来处理成功；discarded 死信已丢弃"},
    "first_failed_at": {"type": "string", "format": "date-time"},
    "last_failed_at": {"type": "string", "format": "date-time"},
    "handled_at": {"type": "string", "format": "date-time", "nullable": True},
    "payload": {"type": "object", "description": "消息内容摘要：列表只给条数，身份证号隐去中间8位"},
}}
DEAD_LETTER = {"type": "object", "properties": {
    "queue": {"type": "string", "description": "原队列，如 evt-review-review_approved--numbering.on_review_approved"},
    "message_id": {"type": "string", "description": "事件编号（event_id）；RPC请求为其 correlation_id"},
    "kind": {"type": "string", "enum": ["event", "rpc", "other"]},
    "service": {"type": "string", "nullable": True},
    "handler": {"type": "string"},
    "event_type": {"type": "string", "nullable": True},
    "event_id": {"type": "string", "nullable": True},
    "reason": {"type": "string", "description": "RabbitMQ 的 x-death 原因，通常为 delivery_limit（投递次数用完）"},
    "dead_lettered_at": {"type": "string", "format": "date-time", "nullable": True},
    "times_dead_lettered": {"type": "integer"},
    "replayable": {"type": "boolean", "description": "只有事件消息可以重新投递"},
    "payload": {"type": "object"},
    "failure": {"allOf": [{"$ref": "#/components/schemas/EventFailure"}], "nullable": True,
                "description": "处理程序记录的失败（按 event_id 与处理程序对应）；没有记录时为 null"},
}}
LISTING = {"type": "object", "properties": {
    "total": {"type": "integer", "description": "死信队列中的消息数"},
    "messages": {"type": "array", "items": {"$ref": "#/components/schemas/DeadLetter"},
                 "description": "最多 limit 条（默认200，至多500）"},
    "unavailable": {"type": "array", "items": {"type": "string"}, "description": "没有响应的服务"},
    "delivery_limit": {"type": "integer", "description": "队列的投递次数上限：一条消息最多处理 delivery_limit+1 次"},
}}
FAILURES = {"type": "object", "properties": {
    "failures": {"type": "array", "items": {"$ref": "#/components/schemas/EventFailure"}},
    "unavailable": {"type": "array", "items": {"type": "string"}},
}}
TAKE = {"type": "object", "required": ["queue", "message_id"], "properties": {
    "queue": {"type": "string"}, "message_id": {"type": "string"}}}
SCHEMAS = {"EventFailure": FAILURE, "DeadLetter": DEAD_LETTER}

LIMIT = {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 500}}
OUTCOME = {"name": "outcome", "in": "query", "required": False,
           "schema": {"type": "string", "enum": ["gave_up", "retrying"], "default": "gave_up"}}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def messages_operation(endpoint: str) -> dict | None:
    """What the generic description of a dead-letter route lacks, or None for other routes."""
    if endpoint == "dead_letters.listing":
        return {"parameters": [LIMIT], "responses": {
            "200": {"description": "死信队列中的消息及其失败记录", "content": _json(LISTING)},
            "503": {"description": "连不上消息服务器"}}}
    if endpoint == "dead_letters.failures":
        return {"parameters": [OUTCOME, LIMIT], "responses": {
            "200": {"description": "各服务记录的失败，最近的在前", "content": _json(FAILURES)}}}
    if endpoint in ("dead_letters.replay", "dead_letters.discard"):
        key = "replayed" if endpoint.endswith("replay") else "discarded"
        done = {"type": "object", "properties": {key: {"$ref": "#/components/schemas/DeadLetter"}}}
        responses = {"200": {"description": "已重新投递到原队列并从死信队列移除（记入操作日志 message.replay）"
                             if key == "replayed" else "已从死信队列删除（记入操作日志 message.discard）",
                             "content": _json(done)},
                     "404": {"description": "死信队列中没有这条消息（已被重新投递或丢弃）"},
                     "503": {"description": "连不上消息服务器"}}
        if key == "replayed":
            responses["409"] = {"description": "不是事件消息（RPC请求不能重新投递），或原队列不存在"}
        return {"parameters": [], "requestBody": {"required": True, "content": _json(TAKE)}, "responses": responses}
    return None
