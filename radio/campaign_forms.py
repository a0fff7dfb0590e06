"""Forms of the campaign pages: a campaign with its targets, topics and pool; a quota."""

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from audio_library.segments import Segment, State, Topic
from radio.db import get_session
from radio.forms import Form
from radio.policy import segments_visible, units_in_scope
from radio.schedule_forms import unit_choices
from radio.schedule_messages import QUOTA_KIND_LABELS
from scheduler.campaigns import Campaign, Quota, QuotaKind
from scheduler.units import Unit

# Which field shows each refusal of the domain; the others go above the form.
CAMPAIGN_FIELDS = {
    "bad_campaign_code": "code",
    "campaign_code_taken": "code",
    "no_name": "name",
    "bad_period": "ends_on",
    "target_outside": "target_ids",
    "unknown_segment": "segment_ids",
}
QUOTA_FIELDS = {
    "bad_quota_times": "times_per_week",
    "bad_quota_minutes": "minutes_per_week",
    "quota_needs_topic": "topic_id",
    "bad_quota_kind": "kind",
}


class CampaignForm(Form):
    code = StringField(_l("Campaign code"), validators=[DataRequired(), Length(max=60)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    # Units are checked against the person's scope (403), not against the list shown.
    unit_id = SelectField(
        _l("Owner unit"), coerce=int, validate_choice=False, validators=[DataRequired()]
    )
    target_ids = SelectMultipleField(
        _l("Target units (none: the whole owner unit)"),
        coerce=int,
        validate_choice=False,
        validators=[Optional()],
    )
    topic_ids = SelectMultipleField(_l("Topics"), coerce=int, validators=[Optional()])
    legal_refs = TextAreaField(_l("Legal references"), validators=[Length(max=5000)])
    segment_ids = SelectMultipleField(
        _l("Segments in the pool (approved)"), coerce=int, validators=[Optional()]
    )

    def show(self, campaign: Campaign) -> None:
        """Tick the stored campaign's targets, topics and pool."""
        self.target_ids.data = [u.id for u in campaign.targets]
        self.topic_ids.data = [t.id for t in campaign.topics]
        self.segment_ids.data = [s.id for s in campaign.segments] if campaign.id else []

    def fill_choices(self, campaign: Campaign) -> None:
        """Units in the person's scope, every topic, and the approved segments they may read."""
        session = get_session()
        units = unit_choices(session.scalars(units_in_scope(current_user).order_by(Unit.path)))
        self.unit_id.choices = units
        self.target_ids.choices = units
        topics = session.scalars(select(Topic).order_by(Topic.name))
        self.topic_ids.choices = [SelectChoice(t.id, t.name) for t in topics]
        approved = segments_visible(current_user).where(Segment.state == State.APPROVED)
        segments = {s.id: s for s in session.scalars(approved.order_by(Segment.title))}
        if campaign.id is not None:  # what is already in the pool stays choosable
            segments.update({s.id: s for s in campaign.segments})
        self.segment_ids.choices = [SelectChoice(s.id, s.title) for s in segments.values()]


class QuotaForm(Form):
    kind = SelectField(
        _l("Kind of quota"),
        choices=[SelectChoice(k.value, label) for k, label in QUOTA_KIND_LABELS.items()],
    )
    times_per_week = IntegerField(_l("Times a week"), validators=[Optional()])
    minutes_per_week = IntegerField(_l("Minutes a week"), validators=[Optional()])
    topic_id = SelectField(_l("Topic of the minutes"), coerce=int, validators=[Optional()])

    def fill_choices(self) -> None:
        topics = get_session().scalars(select(Topic).order_by(Topic.name))
        self.topic_id.choices = [SelectChoice(0, "—")] + [
            SelectChoice(t.id, t.name) for t in topics
        ]

    def quota(self) -> Quota:
        """The quota the form describes (not stored): plays of the pool, or a topic's minutes."""
        kind = QuotaKind(self.kind.data)
        quota = Quota(kind=kind)
        if kind == QuotaKind.SEGMENT_PLAYS:
            quota.times_per_week = self.times_per_week.data or 0
        else:
            quota.minutes_per_week = self.minutes_per_week.data or 0
            quota.topic_id = self.topic_id.data or None
        return quota
