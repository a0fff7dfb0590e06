"""What the schedule API modules share: who may call, refusals, today, usable segments."""

import functools
from collections.abc import Callable
from typing import NoReturn, ParamSpec, TypeVar

from flask import abort
from flask_login import current_user
from werkzeug.wrappers import Response

from audio_library.segments import Segment
from radio.api.auth import person
from radio.db import get_session
from radio.errors import problem
from radio.people import User
from radio.policy import Permission, require, sees_whole_tree, segment_visible
from radio.schedule_messages import describe_error
from scheduler.errors import ScheduleError

P = ParamSpec("P")
R = TypeVar("R")


def refuse(error: ScheduleError) -> Response:
    """422 in the person's words; nothing of the request is stored."""
    get_session().rollback()
    return problem(422, describe_error(error), code=error.kind)


def missing() -> NoReturn:
    """Only someone who sees a whole tree learns that an id does not exist."""
    abort(404 if sees_whole_tree(current_user) else 403)


def allowed(permission: Permission) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Refuse devices, and people whose role lacks `permission`, before reading the body."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            person()
            require(permission)
            return view(*args, **kwargs)

        return checked

    return decorate


def me() -> User:
    return current_user  # type: ignore[no-any-return]


def usable_segment(user: User, segment_id: int | None) -> Segment:
    segment = get_session().get(Segment, segment_id) if segment_id is not None else None
    if segment is None or not segment_visible(user, segment):
        raise ScheduleError("unknown_segment")
    return segment
