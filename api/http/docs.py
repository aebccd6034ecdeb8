"""The API's interactive documentation, served offline and behind sign-in.

FastAPI's default /docs page loads Swagger UI from a CDN, which is a blank page at a site with
no internet; here its files come from the `fastapi-swagger` package, which ships Swagger UI 5
(`swagger-ui-bundle`'s 4.15 could not read the OpenAPI 3.1 document FastAPI writes, and showed
"Unable to render this definition" instead of the operations). The request guard asks a
browser for the token as the password of a Basic sign-in on these paths (a browser cannot send
a bearer token by itself); the page's own API calls then use the Authorize button's bearer.

The page starts Swagger UI with one inline script, which the site's content policy would block:
its policy allows that script by its hash (not any inline script), and `data:` images, which
Swagger UI's stylesheet draws its icons with.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
ASSETS = resources.files("fastapi_swagger") / "resources"
"""swagger-ui-bundle.js, swagger-ui.css and the favicon, as the package ships them."""


def content_policy(page: str) -> str:
    """The docs page's policy: the site's own files, and its inline scripts by their sha256."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )


def add_docs(app: FastAPI) -> None:
    app.mount(ASSETS_PATH, StaticFiles(directory=str(ASSETS)), name="docs-assets")

    @app.get(DOCS_PATH, include_in_schema=False)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        )
        page.headers["Content-Security-Policy"] = content_policy(bytes(page.body).decode())
        return page
