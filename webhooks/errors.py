"""Error answers: one short line of text (JSON under ``/api/``), never an HTML page or a
traceback, whatever the client sent."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException


def _answer(err: HTTPException) -> Response:
    """The error's own status and headers (``Allow`` on a 405), with a short body."""
    response = err.get_response()
    message = f"{err.code} {err.name}"
    if request.path.startswith("/api/"):
        body = jsonify(error=message)
        response.set_data(body.get_data())
        response.mimetype = "application/json"
    else:
        response.set_data(message + "\n")
        response.mimetype = "text/plain"
    return response


def init_app(app: Flask) -> None:
    """Answer every HTTP error with `_answer` (an unexpected exception arrives as a 500,
    already logged with its traceback by Flask)."""
    app.register_error_handler(HTTPException, _answer)
