"""The one way the local stand-ins for outside services (Slack's webhooks and Web API, a Teams
workflow) answer a request."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler


def send_reply(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str],
               payload: bytes, content_type: str) -> None:
    """Answer with `status`, the scripted `headers` and `payload`. A client that gave up
    meanwhile (a timeout under test) is not an error of the stand-in."""
    try:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
    except (BrokenPipeError, ConnectionResetError):
        pass
