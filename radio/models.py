"""Every model of the three packages, imported once so the metadata is complete."""

from radio.login_guard import LoginAttempt
from radio.people import User
from radio.tokens import AccessToken
from scheduler.jobs import SchedulerBeat
from scheduler.units import Station, Unit

__all__ = ["AccessToken", "LoginAttempt", "SchedulerBeat", "Station", "Unit", "User"]
