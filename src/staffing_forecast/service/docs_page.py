"""The interactive ``/docs`` page, with Swagger UI served by the service itself (no CDN).

The cluster the service runs in may have no internet, so the page's script and style come from the
``swagger-ui-bundle-v2`` package (installed with the ``service`` extra) under ``/docs/assets``. Without it, or with
``Settings(docs=False)``, there is no ``/docs``; ``/openapi.json`` is always there.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS", "install_docs"]

#: Where the page's files are served.
ASSETS = "/docs/assets"


def install_docs(app: FastAPI) -> bool:
    """Serve ``/docs`` and its assets from the installed Swagger UI; return whether the page is served."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        logging.getLogger("staffing_forecast.service").warning(
            "/docs is off: the package swagger-ui-bundle-v2 is missing (pip install 'staffing_forecast[service]')"
        )
        return False
    app.mount(ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )

    return True
