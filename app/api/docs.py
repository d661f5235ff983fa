"""The interactive API docs, Swagger UI at ``/docs`` and ReDoc at ``/redoc``, from files Tacit
serves itself: FastAPI's pages load them from a CDN, which leaves a blank page on a network
without one. The files come from the ``fastapi-offline`` package, which vendors the current
Swagger UI 5 and ReDoc 2 bundles on each release (pip updates them; nothing is copied here).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/docs-assets"
ASSETS_DIR = Path(str(files("fastapi_offline") / "static"))
SWAGGER_UI_PARAMETERS = {
    # Swagger UI would otherwise send the schema's address to swagger.io's validator (a
    # request off the network, and the server's name to a third party) for a badge.
    "validatorUrl": None,
    # Operation ids are function names; the summaries say the same in words.
    "displayOperationId": False,
}
# Only this server: the pages then work, and are seen to work, without any other host, and
# tell none that someone reads them (ReDoc's bundle shows a logo from its maker's CDN: the
# browser refuses it without asking). FastAPI's pages start the bundles with an inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'"
)


def _closed(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return page


def install(app: FastAPI) -> None:
    """Serve the docs pages and their assets; the app must be made with ``docs_url=None``
    and ``redoc_url=None`` so that FastAPI's own pages do not answer first."""
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _closed(
            get_swagger_ui_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} API",
                swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
                swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
                swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
            )
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _closed(
            get_redoc_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} API reference",
                redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
                with_google_fonts=False,
            )
        )
