"""The web app manifest and its icons, which let a phone install the page: served without
sign-in, with the icons it names, each a PNG of the size it says."""

from __future__ import annotations

import struct

from fastapi.testclient import TestClient


def test_the_manifest_names_icons_that_exist_at_their_sizes(client: TestClient) -> None:
    answer = client.get("/manifest.webmanifest")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/manifest+json"
    manifest = answer.json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200, icon["src"]
        assert image.headers["content-type"].startswith(icon["type"])
        if icon["type"] == "image/png":
            assert image.content[:8] == b"\x89PNG\r\n\x1a\n"
            width, height = struct.unpack(">II", image.content[16:24])  # IHDR
            assert f"{width}x{height}" == icon["sizes"]
            sizes.add(width)
    assert {192, 512} <= sizes  # what Android asks of an installable app
    assert client.get("/icons/tacit-180.png").status_code == 200  # the iPhone's
    assert client.get("/icons/tacit-64.png").status_code == 404
    page = client.get("/login").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
