"""QR codes of share links, drawn by segno on our own server (no third-party image service)."""

from __future__ import annotations

import io

import segno


def _code(url: str) -> segno.QRCode:
    # Error correction "M" survives a crumpled print-out; a share URL fits easily.
    return segno.make_qr(url, error="m")


def qr_svg(url: str) -> bytes:
    buffer = io.BytesIO()
    _code(url).save(buffer, kind="svg", scale=6, border=4, title="QR code of the share link", xmldecl=False)
    return buffer.getvalue()


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    _code(url).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()
