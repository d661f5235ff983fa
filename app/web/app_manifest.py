"""What lets a phone install the web page as an app: the web app manifest and its icons.

The icons are drawn here rather than kept as image files: a square of the page's blue with a
white "T", the same shape as ``static/icons/tacit.svg``, as PNG at the sizes phones ask for
(Android's 192 and 512 px, the iPhone's 180). Drawn once per size and process; the pixels are
plain rectangles, so a few lines of zlib and struct make a valid PNG. Served without sign-in:
a browser fetches the manifest and icons without the session cookie."""

from __future__ import annotations

import struct
import zlib
from functools import cache

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

router = APIRouter(include_in_schema=False)

SIZES = (180, 192, 512)
BLUE = (0x1F, 0x5F, 0xBF)
WHITE = (0xFF, 0xFF, 0xFF)
CACHE = "public, max-age=86400"
MANIFEST = {
    "name": "Tacit",
    "short_name": "Tacit",
    "description": "What colleagues know about customers, before the next call.",
    "start_url": "/",
    "scope": "/",
    "display": "standalone",
    "background_color": "#ffffff",
    "theme_color": "#1f5fbf",
    "icons": [
        {"src": "/static/icons/tacit.svg", "sizes": "any", "type": "image/svg+xml"},
        *(
            {"src": f"/icons/tacit-{n}.png", "sizes": f"{n}x{n}", "type": "image/png"}
            for n in SIZES
            if n != 180
        ),
        # The whole square is the icon's colour, so a launcher may crop it to any shape.
        {
            "src": "/icons/tacit-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ],
}


def _in_t(x: float, y: float) -> bool:
    """Whether a point of the unit square is in the "T" (tacit.svg's bars, in 64ths)."""
    bar = 14 / 64 <= x < 50 / 64 and 15 / 64 <= y < 24 / 64
    stem = 27.5 / 64 <= x < 36.5 / 64 and 15 / 64 <= y < 50 / 64
    return bar or stem


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


@cache
def icon_png(size: int) -> bytes:
    """The icon as an RGB PNG of ``size`` x ``size`` pixels."""
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # no filter
        for x in range(size):
            rows.extend(WHITE if _in_t((x + 0.5) / size, (y + 0.5) / size) else BLUE)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


@router.get("/manifest.webmanifest")
def manifest() -> Response:
    return JSONResponse(
        MANIFEST, media_type="application/manifest+json", headers={"Cache-Control": CACHE}
    )


@router.get("/icons/tacit-{size}.png")
def icon(size: int) -> Response:
    if size not in SIZES:
        return Response(status_code=404)
    return Response(icon_png(size), media_type="image/png", headers={"Cache-Control": CACHE})
