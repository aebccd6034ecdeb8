"""The status code each refusal of the human loop is answered with, by the API and the pages alike.

A refusal answers 404 when the reader may not know the thing exists (not theirs, not on the card)
or names one that does not; 422 for what a body itself gets wrong; every other refusal is 409: the
request is sound but the state forbids it now (a closed dispute window: the same body was valid
yesterday).
"""

from __future__ import annotations

from starlette import status

from review.calibration_sessions import Refusal as SessionRefusal
from review.calibration_sessions import SessionRefused
from review.disputes import DisputeRefused
from review.disputes import Refusal as DisputeRefusal

DISPUTE_STATUS = {
    DisputeRefusal.NOT_YOURS: status.HTTP_404_NOT_FOUND,
    DisputeRefusal.NO_SUCH_ITEM: status.HTTP_404_NOT_FOUND,
    DisputeRefusal.NO_SUCH_DISPUTE: status.HTTP_404_NOT_FOUND,
}

SESSION_STATUS = {
    SessionRefusal.NO_SUCH_SESSION: status.HTTP_404_NOT_FOUND,
    SessionRefusal.NO_SUCH_CALL: status.HTTP_404_NOT_FOUND,
    SessionRefusal.NO_SUCH_INSPECTOR: status.HTTP_404_NOT_FOUND,
    SessionRefusal.NO_SUCH_ITEM: status.HTTP_404_NOT_FOUND,
    SessionRefusal.BAD_PICK: status.HTTP_422_UNPROCESSABLE_CONTENT,
    SessionRefusal.BAD_ANSWER: status.HTTP_422_UNPROCESSABLE_CONTENT,
}
"""A well-formed body naming a call, inspector or item that does not exist is 404, as a path
naming one would be; 422 is for what the body itself gets wrong (the API's schema already refuses
it; the pages' forms can send it)."""


def dispute_status(error: DisputeRefused) -> int:
    return DISPUTE_STATUS.get(error.refusal, status.HTTP_409_CONFLICT)


def session_status(error: SessionRefused) -> int:
    return SESSION_STATUS.get(error.refusal, status.HTTP_409_CONFLICT)
