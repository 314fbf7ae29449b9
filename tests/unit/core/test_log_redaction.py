"""Share tokens never reach a log: the development server's request log and gunicorn's access log."""

from __future__ import annotations

import logging
import threading
from types import SimpleNamespace

import requests
from gunicorn.config import Config
from werkzeug.serving import make_server

from passport.gunicorn_logging import RedactingLogger
from passport.log_redaction import redact

TOKEN = "kY3vQ9t0b1cZr8Xw2LmN5pA7sD4fG6hJ-uE_iO0qW3e"


def test_redact_takes_the_token_out_of_every_share_path_and_nothing_else():
    assert redact(f"GET /v/{TOKEN} HTTP/1.1") == "GET /v/[share-token] HTTP/1.1"
    assert redact(f"GET /v/{TOKEN}/qr.svg?size=2 HTTP/1.1") == "GET /v/[share-token]/qr.svg?size=2 HTTP/1.1"
    assert redact(f"https://passport.example/v/{TOKEN}") == "https://passport.example/v/[share-token]"
    for untouched in ("GET /api/v1/verify HTTP/1.1", "/ims/case/v1p1/CFPackages/x", "-"):
        assert redact(untouched) == untouched


def test_the_development_servers_request_log_carries_no_share_token(app, caplog):
    """Flask's own server (make run), with the filter create_app installs, serving a request for a share
    link; the app behind it is a stand-in: what is tested is the log line werkzeug writes."""
    assert app is not None  # create_app has run: the werkzeug logger has the filter

    def stand_in(environ, start_response):  # type: ignore[no-untyped-def]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = make_server("127.0.0.1", 0, stand_in)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            base = f"http://127.0.0.1:{server.server_port}"
            assert requests.get(f"{base}/v/{TOKEN}/qr.svg", timeout=10).status_code == 200
    finally:
        server.shutdown()
        thread.join(10)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any("/v/[share-token]/qr.svg" in line for line in lines), lines
    assert not any(TOKEN in line for line in lines), lines


def test_gunicorns_access_log_atoms_carry_no_share_token():
    logger = RedactingLogger(Config())  # gunicorn's defaults
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/v/{TOKEN}",
        "PATH_INFO": f"/v/{TOKEN}",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://passport.example/v/{TOKEN}",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    duration = SimpleNamespace(seconds=0, microseconds=1)
    atoms = logger.atoms(
        response, SimpleNamespace(headers=[("Referer", environ["HTTP_REFERER"])]), environ, duration
    )
    assert atoms["r"] == "GET /v/[share-token] HTTP/1.1"
    assert atoms["f"] == "https://passport.example/v/[share-token]"
    assert not any(TOKEN in value for value in atoms.values() if isinstance(value, str))
