"""Files handed to a browser or client to keep: the API's and the pages' downloads alike."""

from __future__ import annotations

from starlette.responses import Response

from services.clips import Clip


def zip_download(clip: Clip) -> Response:
    """A clip's ZIP as an attachment, never cached: it may hold a recording's personal data."""
    return Response(
        clip.data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{clip.filename}"',
            "Cache-Control": "private, no-store",
        },
    )
