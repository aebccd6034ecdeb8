"""The API's docs page runs in Chromium under its own content policy (issue 25, part 8): the
security headers every response carries must not blank Swagger UI, which starts from one inline
script allowed by its hash, fetches /openapi.json and draws its icons from `data:` images.
Chromium reports each content-policy violation as a console error. And it shows the operations:
Swagger UI 4 could not read the OpenAPI 3.1 document and drew only an error."""

from __future__ import annotations

from runtime.services import Services
from tests.support.browser import chromium


def test_the_api_docs_run_under_their_content_policy(site: tuple[str, Services]) -> None:
    from playwright.sync_api import sync_playwright

    base, services = site
    plaintext = services.tokens.create("admin", "docs reader")[1]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        context = browser.new_context(http_credentials={"username": "me", "password": plaintext})
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        with page.expect_response(f"{base}/openapi.json") as schema:
            answer = page.goto(f"{base}/docs")
        assert answer is not None and "sha256-" in answer.headers["content-security-policy"]
        assert schema.value.status == 200  # fetched by Swagger UI's script: the inline script ran
        page.locator("#swagger-ui .swagger-ui").wait_for(state="attached")  # drawn by its script
        upload = page.locator(".opblock-post", has_text="/calls").first
        upload.wait_for()  # the operations are listed
        assert "Unable to render" not in page.content()
        assert problems == []
        browser.close()
