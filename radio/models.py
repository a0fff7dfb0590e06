"""Every model of the three packages, imported once so the metadata is complete."""

from audio_library.jobs import Job
from audio_library.segments import LexiconEntry, Segment, SegmentEvent, Topic
from radio.login_guard import LoginAttempt
from radio.people import User
from radio.tokens import AccessToken
from scheduler.campaigns import Campaign
from scheduler.jobs import SchedulerBeat
from scheduler.units import Station, Unit

__all__ = [
    "AccessToken",
    "Campaign",
    "Job",
    "LexiconEntry",
    "LoginAttempt",
    "SchedulerBeat",
    "Segment",
    "SegmentEvent",
    "Station",
    "Topic",
    "Unit",
    "User",
]
