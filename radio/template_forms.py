"""Forms of the session template and unit limits pages, and a stored template's values."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import (
    DateField,
    FieldList,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from audio_library.segments import Segment, State, Topic
from radio.db import get_session
from radio.forms import Form
from radio.policy import segments_visible
from radio.schedule_messages import WEEKDAY_LABELS
from scheduler.playlist_views import jingle_first
from scheduler.templates import MAX_SESSION_MINUTES, ItemKind, SessionTemplate, TemplateItem

RELAY_ROWS, FILL_ROWS = 3, 6
ANY_TOPIC = "any"
SEGMENT_CHOICES = 300  # the select lists this many approved segments, jingles first
# Which field a ScheduleError belongs next to; the others go above the form.
ERROR_FIELDS = {
    "overlap": "starts_at",
    "quiet_hours": "starts_at",
    "session_too_long": "max_minutes",
    "bad_length": "max_minutes",
    "bad_period": "valid_until",
    "no_weekdays": "weekdays",
    "bad_gap": "gap_seconds",
    "no_label": "label",
    "unknown_segment": "opening_id",
    "bad_relay_url": "relays",
    "bad_relay_length": "relays",
    "no_relay_title": "relays",
    "unknown_topic": "fills",
}
RULES_ERROR_FIELDS = {
    "session_too_long": "max_session_minutes",
    "quiet_hours": "quiet_from",
    "bad_limit": "max_session_minutes",
    "bad_quiet_hours": "quiet_until",
}


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RelayRow(Form):
    class Meta(Form.Meta):
        csrf = False  # part of TemplateForm, which carries the token

    title = StringField(_l("Relay name"), validators=[Length(max=300)])
    url = StringField(_l("Stream address"), validators=[Length(max=500)])
    minutes = IntegerField(
        _l("Minutes"), validators=[Optional(), NumberRange(1, MAX_SESSION_MINUTES)]
    )


class TemplateForm(Form):
    label = StringField(_l("Session name"), validators=[DataRequired(), Length(max=60)])
    weekdays = CheckboxesField(
        _l("Weekdays"), choices=[SelectChoice(k, v) for k, v in WEEKDAY_LABELS.items()]
    )
    starts_at = TimeField(_l("Starts at"), validators=[InputRequired()])
    max_minutes = IntegerField(_l("Length at most (minutes)"), validators=[InputRequired()])
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    gap_seconds = IntegerField(_l("Pause between items (seconds)"), validators=[InputRequired()])
    opening_id = SelectField(_l("Opening item"), coerce=int, default=0)
    closing_id = SelectField(_l("Closing item"), coerce=int, default=0)
    relays = FieldList(FormField(RelayRow), min_entries=RELAY_ROWS, max_entries=RELAY_ROWS)
    # ScheduleErrors about the relay rows or the fill topics, shown under those sections.
    section_errors: dict[str, list[str]] = {}
    fills = FieldList(
        SelectField(_l("Fill topic"), default=""), min_entries=FILL_ROWS, max_entries=FILL_ROWS
    )

    def fill_choices(self, template: SessionTemplate) -> None:
        """Approved segments the user may read (jingles first) and topics, for the selects."""
        session = get_session()
        chosen = {i.segment_id for i in template.items if i.segment_id is not None}
        query = (
            segments_visible(current_user)
            .where(Segment.state == State.APPROVED)
            .order_by(jingle_first(), Segment.title)
            .limit(SEGMENT_CHOICES)
            .options(selectinload(Segment.topic))
        )
        segments = list(session.scalars(query))
        segments += [s for s in session.scalars(select(Segment).where(Segment.id.in_(chosen)))]
        choices = [SelectChoice(0, _("— none —"))]
        seen: set[int] = set()
        for s in segments:
            if s.id not in seen:
                seen.add(s.id)
                choices.append(SelectChoice(s.id, f"{s.title} ({s.topic.name})"))
        self.opening_id.choices = self.closing_id.choices = choices
        topics = session.scalars(select(Topic).order_by(Topic.name))
        topic_choices = [SelectChoice("", "—"), SelectChoice(ANY_TOPIC, _("Any topic"))]
        topic_choices += [SelectChoice(str(t.id), t.name) for t in topics]
        for entry in self.fills:
            entry.choices = topic_choices

    def items(self) -> list[TemplateItem]:
        items = []
        if self.opening_id.data:
            items.append(TemplateItem(kind=ItemKind.OPEN, segment_id=self.opening_id.data))
        for row in self.relays:
            title, url, minutes = row.form.title.data, row.form.url.data, row.form.minutes.data
            if title or url or minutes:
                items.append(
                    TemplateItem(
                        kind=ItemKind.RELAY,
                        title=title or "",
                        url=(url or "").strip(),
                        seconds=(minutes or 0) * 60,
                    )
                )
        for entry in self.fills:
            if entry.data:
                topic = None if entry.data == ANY_TOPIC else int(entry.data)
                items.append(TemplateItem(kind=ItemKind.FILL, topic_id=topic))
        if self.closing_id.data:
            items.append(TemplateItem(kind=ItemKind.CLOSE, segment_id=self.closing_id.data))
        return items


def initial(template: SessionTemplate) -> dict[str, object]:
    """The form's values for a stored template."""
    kinds = {k: [i for i in template.items if i.kind == k] for k in ItemKind}
    return {
        "label": template.label,
        "weekdays": list(template.weekdays or ""),
        "starts_at": template.starts_at,
        "max_minutes": template.max_minutes,
        "valid_from": template.valid_from,
        "valid_until": template.valid_until,
        "gap_seconds": template.gap_seconds,
        "opening_id": kinds[ItemKind.OPEN][0].segment_id if kinds[ItemKind.OPEN] else 0,
        "closing_id": kinds[ItemKind.CLOSE][0].segment_id if kinds[ItemKind.CLOSE] else 0,
        "relays": [
            {"title": i.title, "url": i.url, "minutes": i.seconds // 60}
            for i in kinds[ItemKind.RELAY]
        ],
        "fills": [
            ANY_TOPIC if i.topic_id is None else str(i.topic_id) for i in kinds[ItemKind.FILL]
        ],
    }


class RulesForm(Form):
    quiet_from = TimeField(_l("Quiet hours from"), validators=[Optional()])
    quiet_until = TimeField(_l("Quiet hours until"), validators=[Optional()])
    max_session_minutes = IntegerField(
        _l("Longest session (minutes)"), validators=[Optional(), NumberRange(1, 24 * 60)]
    )
    max_day_minutes = IntegerField(
        _l("Most minutes a day"), validators=[Optional(), NumberRange(1, 24 * 60)]
    )
