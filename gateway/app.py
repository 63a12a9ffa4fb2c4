"""The gateway: the only way in for people (web UI, zh-CN) and clients (HTTP API v1)."""
from flask import Flask

from gateway import errors, metrics, request_id
from gateway.api import accounts as accounts_api
from gateway.api import annotated as annotated_api
from gateway.api import audit_log as audit_log_api
from gateway.api import certificates as certificates_api
from gateway.api import dead_letters as dead_letters_api
from gateway.api import documents as documents_api
from gateway.api import graduates as graduates_api
from gateway.api import print_sites as print_sites_api
from gateway.api import reviews as reviews_api
from gateway.api import school_data as school_data_api
from gateway.api import season as season_api
from gateway.api import system as system_api
from gateway.auth import csrf, load_user
from gateway.db import init_engine, secret_key
from gateway.json_text import JsonText
from gateway.rpc import Rpc
from gateway.token_cache import TokenCache
from gateway.web import views as web_views
from services.common.settings import setting
from services.common.sheet_limits import MAX_UPLOAD_BYTES  # the 413 answer (gateway.errors) says it


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE_URL=setting("DATABASE_URL"),
        AMQP_URI=setting("AMQP_URI"),
        RPC_TIMEOUT=float(setting("RPC_TIMEOUT")),
        TOKEN_TTL_SECONDS=int(setting("TOKEN_TTL_SECONDS")),
        LOGIN_MAX_FAILURES=int(setting("LOGIN_MAX_FAILURES")),
        LOGIN_LOCK_SECONDS=int(setting("LOGIN_LOCK_SECONDS")),
        SECRET_KEY=setting("SECRET_KEY"),
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        JSON_AS_ASCII=False,
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    if test_config:
        app.config.update(test_config)
    app.json = JsonText(app)  # answers written by orjson, the same text as Flask's own
    app.json.ensure_ascii = False

    engine = init_engine(app.config["DATABASE_URL"])
    metrics.instrument_pool(engine)
    app.extensions["db"] = engine
    app.extensions["token_cache"] = TokenCache(engine)  # signed-in callers, remembered until a change
    app.extensions["rpc"] = Rpc(app.config["AMQP_URI"], app.config["RPC_TIMEOUT"])
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secret_key(engine)

    metrics.init_app(app)  # GET /metrics, and every request timed by route
    request_id.init_app(app)  # X-Request-ID: every request's id, in its log lines, RPCs and answer
    csrf.init_app(app)
    app.before_request(load_user)
    errors.register(app)
    app.register_blueprint(system_api.bp)
    app.register_blueprint(accounts_api.bp)
    app.register_blueprint(audit_log_api.bp)
    app.register_blueprint(school_data_api.bp)
    app.register_blueprint(reviews_api.bp)
    app.register_blueprint(certificates_api.bp)
    app.register_blueprint(documents_api.bp)
    app.register_blueprint(print_sites_api.bp)
    app.register_blueprint(season_api.bp)
    app.register_blueprint(graduates_api.bp)
    app.register_blueprint(annotated_api.bp)
    app.register_blueprint(dead_letters_api.bp)
    app.register_blueprint(web_views.bp)
    return app
