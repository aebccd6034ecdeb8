"""One error body for every 4xx and 5xx, documented in the OpenAPI schema of each endpoint.

FastAPI answers its own validation errors with `detail` as a list and `HTTPException` with
`detail` as a string; a client then needs two parsers and the schema describes neither. Here
every error is an `ErrorBody`: `detail` is always one sentence a person can act on, and `errors`
lists the fields at fault.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path


class FieldProblem(BaseModel):
    loc: list[str | int] = Field(description="where: e.g. ['query', 'offset']")
    msg: str
    type: str


class ErrorBody(BaseModel):
    detail: str = Field(description="what is wrong, in words")
    errors: list[FieldProblem] = Field(default_factory=list, description="the fields at fault, if any")


DESCRIPTIONS = {
    400: "the request cannot be read",
    401: "no valid token (`Authorization: Bearer <token>`)",
    403: "the token's role may not do this",
    404: "no such call, or not one this token may see",
    405: "method not allowed on this path",
    409: "the call (or dispute) is not in a state that allows this",
    413: "the body is larger than the limit (CALLQA_MAX_UPLOAD_MB for uploads)",
    422: "a parameter or the body is invalid; `errors` names the fields",
    503: "a service callqa needs is down",
    507: "the audio volume is full; nothing was stored",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, object]]:
    """The `responses=` entries documenting these status codes with the one error body."""
    return {code: {"model": ErrorBody, "description": DESCRIPTIONS[code]} for code in codes}


def error_response(
    status_code: int,
    detail: str,
    errors: list[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(detail=detail, errors=errors or [])
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status_code, headers=dict(headers) if headers else None
    )


def problems(validation_errors: Sequence[Any]) -> list[FieldProblem]:
    """Pydantic's error dicts as `FieldProblem`s (inputs are left out: they may be personal)."""
    found: list[FieldProblem] = []
    for raw in jsonable_encoder(list(validation_errors)):
        loc = [part if isinstance(part, int) else str(part) for part in raw.get("loc", [])]
        found.append(FieldProblem(loc=loc, msg=str(raw.get("msg", "")), type=str(raw.get("type", ""))))
    return found


def summary(found: list[FieldProblem]) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in problem.loc)}: {problem.msg}" for problem in found)


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method the API documents at this path (and HEAD with GET, as served): Starlette's own
    405 names only the first route's methods (GET for /calls/{id}, hiding PATCH)."""
    methods: set[str] = set()
    for template, operations in app.openapi()["paths"].items():
        if compile_path(template)[0].fullmatch(path):
            methods |= {method.upper() for method in operations}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(app, request.url.path))
        return error_response(error.status_code, str(error.detail), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        found = problems(error.errors())
        return error_response(422, "invalid request: " + summary(found), found)
