"""The OpenAPI description of the registry, course plan and grade imports: the upload, `dry_run`, and
the answer with `changes` (services/common/changes.py builds it)."""

DRY_RUN = {
    "name": "dry_run", "in": "query", "required": False,
    "schema": {"type": "string", "enum": ["true", "1", "yes", "false", "0", "no"]},
    "description": "试运行：做导入的全部检查（文件有错时同样返回422和错误），列出导入将会新增、修改、"
                   "缺少的记录（changes），但不保存任何数据，也不记导入日志。也可作为表单字段；"
                   "JSON成绩请求体中可写 \"dry_run\": true",
}

FIELD = {"type": "object", "properties": {
    "column": {"type": "string", "description": "模板表头，如“成绩”"},
    "old": {"nullable": True, "description": "原值（文字或数字，日期为YYYY-MM-DD）"},
    "new": {"nullable": True, "description": "新值"},
}}
ITEM = {"type": "object", "properties": {
    "key": {"type": "object", "description": "记录的键，以模板表头为名；身份证号已隐去中间8位",
            "additionalProperties": True},
    "label": {"type": "string", "description": "如：张三（610502********123X）“体育与健康”第2学期"},
    "row": {"type": "integer", "nullable": True, "description": "文件中的行号（缺少的记录没有）"},
    "fields": {"type": "array", "items": {"$ref": "#/components/schemas/ChangedField"},
               "description": "只有修改的记录有：改了哪些列，原值和新值"},
}}
CHANGES = {
    "type": "object",
    "description": "导入将会（试运行）或已经修改的内容。学籍按身份证号、"
                   "课程设置按（专业代码, 入学年级, 课程名称, 学期）、成绩按（身份证号, 课程名称, 学期）对照。"
                   "各清单最多列出200条，数量为全部。",
    "properties": {
        "new": {"type": "integer"}, "changed": {"type": "integer"}, "unchanged": {"type": "integer"},
        "missing": {"type": "integer", "description": "文件范围内已有、文件中没有的记录数（学籍：本校学生；"
                                                      "课程设置：文件中的专业和年级；成绩：文件中的学生）"},
        "missing_action": {"type": "string", "enum": ["kept", "removed"],
                           "description": "对缺少的记录：kept 保留（学籍、成绩），removed 删除（课程设置整体替换）"},
        "items": {"type": "object", "properties": {
            kind: {"type": "array", "items": {"$ref": "#/components/schemas/ChangeItem"}}
            for kind in ("new", "changed", "missing")}},
    },
}
ANSWER = {
    "type": "object",
    "properties": {
        "dry_run": {"type": "boolean", "description": "试运行时为 true（此时 imported 为 0）"},
        "imported": {"type": "integer"},
        "added": {"type": "integer", "description": "学籍：新增人数（试运行时没有）"},
        "updated": {"type": "integer", "description": "学籍：更新人数（试运行时没有）"},
        "ignored_columns": {"type": "array", "items": {"type": "string"}},
        "errors": {"type": "array", "items": {"type": "object"}},
        "changes": {"$ref": "#/components/schemas/ImportChanges"},
    },
}
SCHEMAS = {"ImportAnswer": ANSWER, "ImportChanges": CHANGES, "ChangeItem": ITEM, "ChangedField": FIELD}

UPLOAD = {"type": "object", "required": ["file"], "properties": {
    "file": {"type": "string", "format": "binary"},
    "dry_run": {"type": "string", "description": "true/1/yes：试运行，不保存"},
}}
CLASS_SHEET = {
    "course": {"type": "string", "description": "按班级和课程导入时的课程名称"},
    "term": {"type": "string", "description": "按班级和课程导入时的学期（1-6）"},
}
GRADE_RECORDS = {"type": "object", "required": ["grades"], "properties": {
    "grades": {"type": "array", "items": {"type": "object"},
               "description": "[{id_number, name, course, term, score, makeup_score}]"},
    "dry_run": {"type": "boolean"},
}}
REFUSED = ("文件有错，或修改涉及本校已提交审核的毕业生（审核已提交后不能修改其学籍、成绩和所在专业年级的课程设置，"
           "须由审核单位退回）：整个文件未导入，errors 逐行列出原因")


def _multipart(extra: dict | None = None) -> dict:
    schema = {**UPLOAD, "properties": {**UPLOAD["properties"], **(extra or {})}}
    return {"multipart/form-data": {"schema": schema}}


def import_operation(endpoint: str) -> dict | None:
    """What the generic description of an import route lacks, or None for other routes."""
    content = {"school_data.import_students": _multipart(), "school_data.import_course_plans": _multipart(),
               "school_data.import_grades": {**_multipart(CLASS_SHEET),
                                             "application/json": {"schema": GRADE_RECORDS}}}.get(endpoint)
    if content is None:
        return None
    answer = {"application/json": {"schema": {"$ref": "#/components/schemas/ImportAnswer"}}}
    return {"parameters": [DRY_RUN], "requestBody": {"required": True, "content": content},
            "responses": {"200": {"description": "已导入，或试运行的结果（dry_run）；changes 列出修改",
                                  "content": answer},
                          "422": {"description": REFUSED, "content": answer}}}
