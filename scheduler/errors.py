"""The one error the scheduling functions raise for input a person can correct."""

from typing import Any


class ScheduleError(ValueError):
    """A template, campaign or broadcast cannot be saved as given.

    `kind` names why for the UI; `detail` carries what the message shows (a station,
    a time, a limit).
    """

    def __init__(self, kind: str, **detail: Any) -> None:
        super().__init__(kind, detail)
        self.kind, self.detail = kind, detail
