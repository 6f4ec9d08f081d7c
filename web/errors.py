"""The web layer's errors: each carries its HTTP status and a sentence for the user."""

from __future__ import annotations


class WebError(Exception):
    """An error shown to the user with its status; the message is one plain sentence."""

    status = 500
    title = "服务器错误"

    def __init__(self, message: str = ""):
        super().__init__(message or self.title)
        self.message = message or self.title


class BadParameter(WebError):
    """A request parameter is malformed (page=dog)."""

    status = 400
    title = "参数错误"


class NotFound(WebError):
    """An unknown plan, node, entity or page."""

    status = 404
    title = "未找到"


class Forbidden(WebError):
    """The feature is switched off on this server."""

    status = 403
    title = "未开放"


class NotAcceptable(WebError):
    """The client asked for a format this page cannot give."""

    status = 406
    title = "格式不可用"


class TooLarge(WebError):
    """A request or a result is larger than this server accepts."""

    status = 413
    title = "内容过大"


class Unavailable(WebError):
    """The data or a component is not ready yet."""

    status = 503
    title = "暂不可用"
