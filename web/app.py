"""The Flask application factory: configuration, blueprints, errors and security headers."""

from __future__ import annotations

import logging
import os

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from web.datadir import resolve
from web.errors import WebError
from web.render import FormatSuffix, json_response, wants_json

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Create the web app; ``config`` overrides DATA_DIR, ALLOW_UPLOAD, SPARQL_TIMEOUT and friends.

    SPARQL_MEMORY_MB caps each SPARQL worker's address space (0: no cap); PLAN_CACHE is how many plan
    models a server keeps loaded per build.
    """
    app = Flask(__name__)
    app.config.update(
        DATA_DIR=None,
        ALLOW_UPLOAD=False,
        SPARQL_TIMEOUT=10.0,
        SPARQL_WORKERS=2,
        SPARQL_MAX_BYTES=16 * 1024 * 1024,
        SPARQL_MEMORY_MB=2048,
        PLAN_CACHE=64,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        MAX_BODY=256 * 1024,
        MAX_QUERY_STRING=8 * 1024,
        JSON_AS_ASCII=False,
        SITE_NAME="规划图谱",
    )
    app.config.update(config or {})
    app.config["DATA_DIR"] = str(resolve(app.config["DATA_DIR"] or os.environ.get("PLANGRAPH_DATA")))
    app.wsgi_app = FormatSuffix(app.wsgi_app)
    register_blueprints(app)
    register_errors(app)
    app.before_request(refuse_oversized)
    app.after_request(add_security_headers)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    return app


def register_blueprints(app: Flask) -> None:
    """Attach every page's blueprint."""
    from web.views import BLUEPRINTS

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    @app.context_processor
    def site() -> dict:
        return {"allow_upload": app.config["ALLOW_UPLOAD"], "site_name": app.config["SITE_NAME"]}

    app.jinja_env.globals["query_with"] = query_with  # a global, so macros (the pager) can use it too


def query_with(**changes) -> str:
    """Return this request's query string with some parameters changed (None removes one)."""
    from urllib.parse import urlencode

    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        args.pop(key, None)
    return urlencode({k: v for k, v in args.items() if v != ""})


def register_errors(app: Flask) -> None:
    """Render every error in one shape: JSON for JSON requests, a page otherwise."""

    @app.errorhandler(WebError)
    def web_error(exc: WebError):
        return render_error(exc.status, exc.title, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        title, message = HTTP_TEXT.get(exc.code, ("请求错误", exc.description or exc.name))
        return render_error(exc.code or 500, title, message)

    for layer_error, default_status in layer_errors():
        app.register_error_handler(layer_error, layer_handler(default_status))

    @app.errorhandler(Exception)
    def crash(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        return render_error(500, "服务器错误", "服务器内部出错，请稍后再试。")


def layer_errors() -> list[tuple[type, int]]:
    """The graph and search layers' base errors (those modules may still be placeholders)."""
    import importlib

    found = []
    for name, base, status in (("graph.errors", "GraphError", 500), ("search.errors", "SearchError", 400)):
        try:
            found.append((getattr(importlib.import_module(name), base), status))
        except (ImportError, AttributeError):
            continue
    return found


def layer_handler(default_status: int):
    """Return a handler showing a graph or search error with its own status and message."""

    def handle(exc: Exception):
        status = getattr(exc, "status", default_status)
        title = {400: "参数错误", 404: "未找到"}.get(status, "服务器错误")
        if status >= 500:
            log.exception("layer error on %s", request.path)
            return render_error(status, title, "服务器内部出错，请稍后再试。")
        return render_error(status, title, str(exc))

    return handle


HTTP_TEXT = {
    400: ("参数错误", "请求格式不正确。"),
    404: ("未找到", "没有这个页面。"),
    405: ("方法不允许", "此地址不支持这种请求方法。"),
    413: ("内容过大", "请求内容太大（上传文件上限 20 MB）。"),
    414: ("地址过长", "请求地址过长。"),
}


def refuse_oversized() -> None:
    """Refuse long query strings (414) and large bodies outside the upload form (413) before any work."""
    from werkzeug.exceptions import RequestEntityTooLarge, RequestURITooLarge

    config = app_config()
    if len(request.query_string) > config["MAX_QUERY_STRING"]:
        raise RequestURITooLarge()
    limit = config["MAX_CONTENT_LENGTH"] if request.endpoint == "upload.upload" else config["MAX_BODY"]
    if (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()


def app_config() -> dict:
    """The running app's configuration."""
    from flask import current_app

    return current_app.config


def render_error(status: int, title: str, message: str) -> Response:
    """Return the error as ``{"error": {...}}`` JSON or as the error page."""
    body = {"error": {"status": status, "title": title, "message": message}}
    if wants_json() or (request.accept_mimetypes.best or "").endswith("json"):
        return json_response(body, status)
    return Response(render_template("error.html", status=status, title=title, message=message), status=status)


def add_security_headers(response: Response) -> Response:
    """Add CSP and the other security headers to every response."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
