"""One function, two renderers: a view returns a dict; HTML or JSON is chosen here.

A URL may end in a format suffix (``/search.json``, ``/compare.xlsx``); the
``FormatSuffix`` middleware strips it and records the format, so each page is
one route whose twin formats can never disagree with it.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable

from flask import Response, render_template, request

from web.errors import BadParameter, NotAcceptable

SUFFIXES = {".json": "json", ".csv": "csv", ".xlsx": "xlsx", ".ttl": "turtle", ".jsonld": "json-ld"}
ENVIRON_KEY = "plangraph.format"


class FormatSuffix:
    """WSGI middleware: ``/x.json`` → ``/x`` with the format kept in the environ."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/static/"):
            for suffix, fmt in SUFFIXES.items():
                if path.endswith(suffix) and len(path) > len(suffix) + 1:
                    environ["PATH_INFO"] = path[: -len(suffix)] or "/"
                    environ[ENVIRON_KEY] = fmt
                    environ["plangraph.suffix"] = suffix
                    break
        return self.app(environ, start_response)


def requested_format() -> str:
    """Return the format asked for: a URL suffix first, else the Accept header, else html."""
    fmt = request.environ.get(ENVIRON_KEY)
    if fmt:
        return fmt
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]:
        return "json"
    return "html"


def wants_json() -> bool:
    """True when the response should be JSON."""
    return requested_format() == "json"


def alternate(suffix: str = ".json") -> str:
    """Return this request's URL with a format suffix (for links and ``Link`` headers)."""
    path = request.path.rstrip("/") or "/index"
    query = request.query_string.decode("latin-1")
    return path + suffix + (f"?{query}" if query else "")


def json_response(data: dict, status: int = 200) -> Response:
    """Serialise ``data`` as UTF-8 JSON (Chinese kept readable)."""
    body = json.dumps(data, ensure_ascii=False, default=str)
    return Response(body, status=status, mimetype="application/json")


def page(template: str, exports: dict[str, Callable[[dict], Response]] | None = None):
    """Decorate a view returning a dict: render it as HTML, JSON or an export format."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            fmt = requested_format()
            if fmt not in ("html", "json") and fmt not in (exports or {}):
                raise NotAcceptable(f"此页面不提供 {fmt} 格式。")
            data = view(*args, **kwargs)
            if isinstance(data, Response):
                return data
            if fmt == "json":
                response = json_response(data)
            elif fmt == "html":
                response = Response(render_template(template, **data, data=data))
            else:
                response = exports[fmt](data)
            response.headers["Link"] = f'<{alternate()}>; rel="alternate"; type="application/json"'
            response.vary.add("Accept")
            return response

        return wrapper

    return decorate


def int_param(name: str, default: int, low: int = 1, high: int = 10_000) -> int:
    """Read an integer query parameter or raise BadParameter with a sentence."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"参数 {name} 必须是整数，收到的是“{raw}”。") from None
    if not low <= value <= high:
        raise BadParameter(f"参数 {name} 必须在 {low} 到 {high} 之间，收到的是 {value}。")
    return value


def choice_param(name: str, choices: list[str] | tuple[str, ...], default: str = "") -> str:
    """Read a parameter that must be one of ``choices`` (empty means no filter)."""
    raw = request.args.get(name, "").strip()
    if raw and raw not in choices:
        raise BadParameter(f"参数 {name} 的取值“{raw}”无效，可选：{'、'.join(choices)}。")
    return raw or default


def csv_download(header: list[str] | tuple[str, ...], rows, filename: str) -> Response:
    """Return rows as a CSV attachment, UTF-8 with a BOM so Excel and WPS read the Chinese."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return download(out.getvalue(), filename, "text/csv")


def download(body: str | bytes, filename: str, mimetype: str) -> Response:
    """Return ``body`` as a file attachment named ``filename``."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response
