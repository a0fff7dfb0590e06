"""Waiting longer after each failure to reach the server, so a commune's thin link and
a struggling server are not hammered; one success resets it. The wait stops growing at
two minutes: an emergency must still be heard soon after the link comes back."""

import random
from datetime import datetime, timedelta

FIRST = timedelta(seconds=30)
LONGEST = timedelta(minutes=2)


class Backoff:
    def __init__(self, first: timedelta = FIRST, longest: timedelta = LONGEST) -> None:
        self.first, self.longest = first, max(first, longest)
        self.failures = 0
        self.next_try: datetime | None = None

    def ready(self, now: datetime) -> bool:
        # a clock stepped back must not hold the agent off for hours
        if self.next_try is not None and self.next_try - now > self.longest:
            self.next_try = now
        return self.next_try is None or now >= self.next_try

    def failed(self, now: datetime) -> None:
        self.failures += 1
        wait = min(self.first * 2 ** (self.failures - 1), self.longest)
        self.next_try = now + wait * random.uniform(0.8, 1.0)

    def succeeded(self) -> None:
        self.failures, self.next_try = 0, None
