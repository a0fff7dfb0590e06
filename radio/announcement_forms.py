"""Forms of the one-off announcement and emergency bulletin pages, and their choices."""

from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import case, func, or_, select
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from audio_library.db import utcnow
from audio_library.segments import Level, Segment, State, Topic
from radio.db import get_session
from radio.forms import Form
from radio.messages import LEVEL_LABELS
from radio.people import User
from radio.policy import segments_visible, stations_in_scope, units_in_scope
from radio.schedule_forms import show_error, unit_choices
from scheduler.announcements import MAX_ONE_OFF_DAYS, Announcement
from scheduler.errors import ScheduleError
from scheduler.templates import SessionTemplate
from scheduler.units import Station, Unit

DISASTER_TOPIC = "thien-tai"  # offered first for emergencies
COMMON_FIELDS = {"no_target": "unit_ids", "segment_not_approved": "segment_id"}
ONE_OFF_FIELDS = {
    **COMMON_FIELDS,
    "outside_validity": "segment_id",
    "bad_level": "level",
    "bad_date": "first_day",
    "no_days": "first_day",
    "day_in_past": "first_day",
    "day_too_far": "last_day",
}
EMERGENCY_FIELDS = {
    **COMMON_FIELDS,
    "expiry_in_past": "expires_at",
    "expiry_too_far": "expires_at",
    "repeat_too_often": "repeat_minutes",
    "cannot_supersede": "supersedes",
}
# What the confirmation page carries back, unchanged, to the final POST.
CARRIED = (
    "segment_id",
    "unit_ids",
    "station_ids",
    "expires_at",
    "repeat_minutes",
    "supersedes",
    "note",
)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


class TargetForm(Form):
    # Segments, units, stations and bulletins are checked against the person's scope
    # (403) and by the domain, not against the lists shown.
    segment_id = SelectField(
        _l("Segment"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(_l("Choose a segment."))],
    )
    unit_ids = SelectMultipleField(
        _l("Units (every station below them)"),
        coerce=int,
        validate_choice=False,
        validators=[Optional()],
    )
    station_ids = SelectMultipleField(
        _l("Single stations"), coerce=int, validate_choice=False, validators=[Optional()]
    )
    note = StringField(_l("Note (for planners)"), validators=[Length(max=300)])

    def fill_choices(self, today: date, emergency: bool) -> None:
        """Units and stations in scope; approved segments still valid (emergency ones first)."""
        session = get_session()
        units = session.scalars(units_in_scope(current_user).order_by(Unit.path))
        self.unit_ids.choices = unit_choices(units)
        stations = session.scalars(
            stations_in_scope(current_user).where(Station.active.is_(True)).order_by(Station.code)
        )
        self.station_ids.choices = [SelectChoice(s.id, f"{s.code} · {s.name}") for s in stations]
        query = (
            segments_visible(current_user)
            .join(Segment.topic)
            .where(
                Segment.state == State.APPROVED,
                or_(Segment.air_until.is_(None), Segment.air_until >= today),
            )
        )
        if emergency:
            query = query.order_by(
                case((Segment.level == Level.EMERGENCY, 0), else_=1),
                case((Topic.code == DISASTER_TOPIC, 0), else_=1),
            )
        order = (Segment.updated_at.desc(), Segment.id.desc())
        segments = session.scalars(query.order_by(*order)).all()
        self.segment_id.choices = [SelectChoice(0, _("— choose a segment —"))] + [
            SelectChoice(s.id, segment_label(s)) for s in segments
        ]
        if emergency and not self.is_submitted() and segments:
            self.segment_id.data = segments[0].id if segments[0].level == Level.EMERGENCY else 0

    def targets(self) -> tuple[Segment | None, list[Unit], list[Station]]:
        session = get_session()
        units = [u for i in self.unit_ids.data or [] if (u := session.get(Unit, i))]
        stations = [s for i in self.station_ids.data or [] if (s := session.get(Station, i))]
        return session.get(Segment, self.segment_id.data), units, stations


class OneOffForm(TargetForm):
    level = SelectField(
        _l("Bulletin level"),
        choices=[SelectChoice(k.value, LEVEL_LABELS[k]) for k in (Level.NORMAL, Level.PRIORITY)],
    )
    first_day = DateField(_l("First day"), validators=[DataRequired()])
    last_day = DateField(_l("Last day (empty: the first day only)"), validators=[Optional()])
    session_labels = SelectMultipleField(
        _l("Sessions (none ticked: every session)"), validators=[Optional()]
    )

    def fill_sessions(self, user: User) -> None:
        self.session_labels.choices = [SelectChoice(s, s) for s in session_labels_near(user)]

    def days(self, today: date) -> list[date] | None:
        """Every day from the first to the last; None (with the error shown) if reversed."""
        first = self.first_day.data or today
        last = self.last_day.data or first
        if last < first:
            show_error(self, ScheduleError("bad_period"), {"bad_period": "last_day"})
            return None
        span = (last - first).days
        if span > MAX_ONE_OFF_DAYS:  # the domain refuses it (past or too far): the ends tell why
            return [first, last]
        return [first + timedelta(days=i) for i in range(span + 1)]


class EmergencyForm(TargetForm):
    expires_at = DateTimeLocalField(
        _l("Stops airing at"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        tz=local_zone,
        validators=[DataRequired()],
    )
    repeat_minutes = IntegerField(
        _l("Repeat every … minutes (empty: air once)"), validators=[Optional()]
    )
    supersedes = SelectMultipleField(
        _l("Replaces these bulletins on air"),
        coerce=int,
        validate_choice=False,
        validators=[Optional()],
    )

    def offer_to_supersede(self, on_air: list[Announcement]) -> None:
        self.supersedes.choices = [
            SelectChoice(a.id, _("%(title)s, until %(at)s", title=a.segment.title, at=until(a)))
            for a in on_air
        ]

    def bulletin(self, created_by: int) -> tuple[Announcement, list[Announcement]]:
        """The bulletin the form describes (not stored), and the bulletins it replaces."""
        segment, units, stations = self.targets()
        session = get_session()
        supersedes = [a for i in self.supersedes.data or [] if (a := session.get(Announcement, i))]
        expires_at = self.expires_at.data
        announcement = Announcement(
            segment=segment,
            level=Level.EMERGENCY,
            units=units,
            stations=stations,
            expires_at=expires_at.astimezone(UTC) if expires_at else None,
            repeat_minutes=self.repeat_minutes.data,
            note=self.note.data or "",
            created_by=created_by,
        )
        return announcement, supersedes


def segment_label(segment: Segment) -> str:
    if segment.level == Level.NORMAL:
        return segment.title
    return f"{segment.title} · {LEVEL_LABELS[Level(segment.level)]}"


def until(announcement: Announcement) -> str:
    return format_datetime(announcement.expires_at or utcnow(), "short")


def session_labels_near(user: User) -> list[str]:
    """Labels of the sessions that apply somewhere in the user's place, earliest first."""
    query = select(SessionTemplate.label).where(SessionTemplate.opt_out.is_(False))
    if user.unit is not None:
        above = list(user.unit.ids_from_root)
        query = query.where(
            or_(
                SessionTemplate.unit_id.in_(above),
                SessionTemplate.unit_id.in_(units_in_scope(user).with_only_columns(Unit.id)),
                SessionTemplate.station_id.in_(
                    stations_in_scope(user).with_only_columns(Station.id)
                ),
            )
        )
    query = query.group_by(SessionTemplate.label).order_by(
        func.min(SessionTemplate.starts_at), SessionTemplate.label
    )
    return list(get_session().scalars(query))
