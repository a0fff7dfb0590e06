"""Every model of the three packages, imported once so the metadata is complete."""

from audio_library.jobs import Job
from audio_library.segments import LexiconEntry, Segment, SegmentEvent, Topic
from radio.airings.follow_up import Digest, UnconfirmedSession
from radio.airings.liveness import StationHeartbeat
from radio.airings.records import Confirmation
from radio.airings.tally import AiringDay, AiringTally
from radio.audit_trail import Change
from radio.downloads import Download
from radio.login_guard import LoginAttempt
from radio.people import User
from radio.tokens import AccessToken
from scheduler.announcements import Announcement
from scheduler.campaigns import Campaign, Quota
from scheduler.jobs import SchedulerBeat
from scheduler.playlists import Playlist, PlaylistItem, PlaylistSession
from scheduler.rules import UnitRules
from scheduler.templates import SessionTemplate, TemplateItem
from scheduler.units import Station, Unit

__all__ = [
    "AccessToken",
    "AiringDay",
    "AiringTally",
    "Announcement",
    "Campaign",
    "Change",
    "Confirmation",
    "Digest",
    "Download",
    "Job",
    "LexiconEntry",
    "LoginAttempt",
    "Playlist",
    "PlaylistItem",
    "PlaylistSession",
    "Quota",
    "SchedulerBeat",
    "Segment",
    "SegmentEvent",
    "SessionTemplate",
    "Station",
    "StationHeartbeat",
    "TemplateItem",
    "Topic",
    "UnconfirmedSession",
    "Unit",
    "UnitRules",
    "User",
]
