"""Schemas of the playlist and schedule API (they become the OpenAPI document)."""

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from audio_library.segments import Level
from radio.db import get_session
from scheduler.campaigns import QuotaKind
from scheduler.templates import ItemKind, SessionTemplate
from scheduler.units import Station

HH_MM = "%H:%M"
LIMIT = validate.Range(min=1, max=1000)


def _required(field: str) -> ValidationError:
    return ValidationError(fields.Field.default_error_messages["required"], field)


# The playlist of a station-day


class TopicRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class CampaignRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class PlaylistItemSchema(Schema):
    id = fields.Integer(attribute="item.id", metadata={"description": "the playlist item"})
    segment_id = fields.Integer(attribute="item.segment_id", allow_none=True)
    position = fields.Integer(attribute="item.position")
    kind = fields.String(attribute="item.kind", metadata={"enum": ["segment", "relay"]})
    title = fields.String(attribute="item.title")
    topic = fields.Nested(TopicRefSchema, allow_none=True)
    level = fields.String(
        attribute="item.level", metadata={"enum": ["normal", "priority", "emergency"]}
    )
    planned_start = fields.DateTime(metadata={"description": "ISO 8601, the station's offset"})
    duration = fields.Float(attribute="item.duration", metadata={"description": "seconds"})
    audio_url = fields.String(metadata={"description": "segment audio, or the relay's stream"})
    sha256 = fields.String(attribute="item.audio_sha", metadata={"description": "empty for relays"})
    reason = fields.String(
        attribute="item.reason",
        metadata={"enum": ["fixed", "relay", "emergency", "one_off", "quota", "fill"]},
    )
    reason_label = fields.String(metadata={"description": "why it is there, in words"})
    campaign = fields.Nested(CampaignRefSchema, allow_none=True)


class PlaylistSessionSchema(Schema):
    number = fields.Integer(attribute="session.number")
    label = fields.String()
    kind = fields.String(attribute="session.kind", metadata={"enum": ["regular", "emergency"]})
    starts_at = fields.DateTime(metadata={"description": "ISO 8601, the station's offset"})
    max_seconds = fields.Integer(attribute="session.max_seconds")
    planned_seconds = fields.Float(attribute="session.planned_seconds")
    interrupts = fields.Integer(
        attribute="session.interrupts",
        allow_none=True,
        metadata={"description": "number of the session an emergency breaks into"},
    )
    items = fields.List(fields.Nested(PlaylistItemSchema))


class PlaylistSchema(Schema):
    station = fields.String(attribute="station.code", metadata={"description": "station code"})
    date = fields.Date(attribute="playlist.day")
    version = fields.Integer(attribute="playlist.version")
    built_at = fields.DateTime(attribute="playlist.built_at")
    content_hash = fields.String(attribute="playlist.content_hash")
    sessions = fields.List(fields.Nested(PlaylistSessionSchema))
    report = fields.List(
        fields.Dict(),
        metadata={"description": "what did not fit or fell short; each entry has a `message`"},
    )


class PlaylistVersionSchema(Schema):
    version = fields.Integer()
    built_at = fields.DateTime()
    trigger = fields.String(metadata={"example": "nightly"})
    content_hash = fields.String()
    changes = fields.Dict(metadata={"description": "added and removed [session, title] pairs"})


# Session templates and unit rules


class TemplateItemSchema(Schema):
    id = fields.Integer(
        load_default=None, metadata={"description": "keep this stored item (when editing)"}
    )
    position = fields.Integer(
        load_default=None, metadata={"description": "ignored when sent: the list order counts"}
    )
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in ItemKind]))
    segment_id = fields.Integer(load_default=None, metadata={"description": "open and close"})
    topic_id = fields.Integer(load_default=None, metadata={"description": "fill; none: any"})
    url = fields.String(load_default="", metadata={"description": "relay stream"})
    title = fields.String(load_default="", metadata={"description": "relay name"})
    seconds = fields.Integer(load_default=0, metadata={"description": "relay length"})


class TemplateFieldsSchema(Schema):
    label = fields.String(load_default="", validate=validate.Length(max=60))
    weekdays = fields.String(load_default="1234567", metadata={"description": "ISO, 1 = Monday"})
    starts_at = fields.Time(format=HH_MM, load_default=None, metadata={"example": "06:00"})
    max_minutes = fields.Integer(load_default=None)
    valid_from = fields.Date(load_default=None)
    valid_until = fields.Date(load_default=None)
    gap_seconds = fields.Integer(load_default=2)
    replaces_id = fields.Integer(
        load_default=None, metadata={"description": "the inherited template this overrides"}
    )
    opt_out = fields.Boolean(load_default=False, metadata={"description": "drop replaces_id"})
    items = fields.List(fields.Nested(TemplateItemSchema), load_default=list)

    @validates_schema
    def times_unless_opt_out(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data["opt_out"]:
            return
        for name in ("starts_at", "max_minutes"):
            if data[name] is None:
                raise _required(name)


class TemplateInSchema(TemplateFieldsSchema):
    unit_id = fields.Integer(load_default=None, metadata={"description": "set on a unit, or"})
    station_code = fields.String(load_default=None, metadata={"description": "on a station"})


def _station_code(template: SessionTemplate) -> str | None:
    station = get_session().get(Station, template.station_id) if template.station_id else None
    return station.code if station else None


class TemplateSchema(Schema):
    id = fields.Integer()
    unit_id = fields.Integer(allow_none=True)
    station_code = fields.Function(_station_code, metadata={"type": ["string", "null"]})
    label = fields.String()
    weekdays = fields.String()
    starts_at = fields.Time(format=HH_MM)
    max_minutes = fields.Integer()
    valid_from = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    gap_seconds = fields.Integer()
    replaces_id = fields.Integer(allow_none=True)
    opt_out = fields.Boolean()
    items = fields.List(fields.Nested(TemplateItemSchema))


class TemplateQuerySchema(Schema):
    unit = fields.Integer(load_default=None, metadata={"description": "unit id"})
    station = fields.String(load_default=None, metadata={"description": "station code"})

    @validates_schema
    def one_place(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if (data["unit"] is None) == (data["station"] is None):
            raise _required("unit")


class TemplateListSchema(Schema):
    templates = fields.List(
        fields.Nested(TemplateSchema), metadata={"description": "set at this place"}
    )
    effective = fields.List(
        fields.Nested(TemplateSchema),
        metadata={"description": "what applies here, inherited ones included"},
    )


class RulesSchema(Schema):
    unit_id = fields.Integer(dump_only=True)
    quiet_from = fields.Time(format=HH_MM, allow_none=True, load_default=None)
    quiet_until = fields.Time(format=HH_MM, allow_none=True, load_default=None)
    max_session_minutes = fields.Integer(allow_none=True, load_default=None)
    max_day_minutes = fields.Integer(allow_none=True, load_default=None)


# Campaigns


class QuotaSchema(Schema):
    id = fields.Integer(load_default=None, metadata={"description": "keep this stored quota"})
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in QuotaKind]))
    times_per_week = fields.Integer(load_default=0)
    minutes_per_week = fields.Integer(load_default=0)
    topic_id = fields.Integer(load_default=None, allow_none=True)


class SegmentRefSchema(Schema):
    id = fields.Integer()
    title = fields.String()


class StationRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class UnitRefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class TopicIdSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class CampaignInSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(max=300))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    legal_refs = fields.String(load_default="")
    unit_id = fields.Integer(
        load_default=None, metadata={"description": "the owning unit; default: the caller's"}
    )
    target_unit_ids = fields.List(fields.Integer(), load_default=list)
    topic_ids = fields.List(fields.Integer(), load_default=list)
    segment_ids = fields.List(
        fields.Integer(), load_default=list, metadata={"description": "the segment pool"}
    )
    quotas = fields.List(fields.Nested(QuotaSchema), load_default=list)


class CampaignSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    legal_refs = fields.String()
    unit_id = fields.Integer(allow_none=True)
    targets = fields.List(fields.Nested(UnitRefSchema))
    topics = fields.List(fields.Nested(TopicIdSchema))
    segment_ids = fields.Pluck(SegmentRefSchema, "id", many=True, attribute="segments")
    quotas = fields.List(fields.Nested(QuotaSchema))


class ProgressSchema(Schema):
    station_code = fields.String(attribute="station.code")
    quota_id = fields.Integer(attribute="quota.id")
    planned = fields.Float(metadata={"description": "plays of the least planned, or seconds"})
    required = fields.Float()
    met = fields.Boolean()


class CampaignDetailSchema(Schema):
    campaign = fields.Nested(CampaignSchema)
    week = fields.Date(metadata={"description": "the Monday of the week the progress is for"})
    progress = fields.List(fields.Nested(ProgressSchema))


class WeekQuerySchema(Schema):
    week = fields.Date(load_default=None, metadata={"description": "any day of the week"})


# One-offs and emergencies


class TargetsSchema(Schema):
    segment_id = fields.Integer(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=300))
    unit_ids = fields.List(fields.Integer(), load_default=list)
    station_codes = fields.List(fields.String(), load_default=list)


class OneOffInSchema(TargetsSchema):
    level = fields.String(
        load_default=Level.NORMAL.value, validate=validate.OneOf(["normal", "priority"])
    )
    days = fields.List(fields.String(), load_default=list, metadata={"example": ["2025-07-01"]})
    session_labels = fields.List(
        fields.String(), load_default=list, metadata={"description": "none: every session"}
    )


class EmergencyInSchema(TargetsSchema):
    starts_at = fields.DateTime(
        load_default=None, metadata={"description": "default now; without offset: local time"}
    )
    expires_at = fields.DateTime(load_default=None)
    repeat_minutes = fields.Integer(load_default=None, allow_none=True)
    supersedes = fields.List(
        fields.Integer(), load_default=list, metadata={"description": "ids of bulletins it ends"}
    )


class PreviewInSchema(Schema):
    unit_ids = fields.List(fields.Integer(), load_default=list)
    station_codes = fields.List(fields.String(), load_default=list)


class AnnouncementSchema(Schema):
    id = fields.Integer()
    kind = fields.Function(
        lambda a: "emergency" if a.is_emergency else "one_off",
        metadata={"type": "string", "enum": ["one_off", "emergency"]},
    )
    level = fields.String(metadata={"enum": ["normal", "priority", "emergency"]})
    segment = fields.Nested(SegmentRefSchema)
    note = fields.String()
    days = fields.List(fields.String())
    session_labels = fields.List(fields.String())
    starts_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    repeat_minutes = fields.Integer(allow_none=True)
    superseded_by_id = fields.Integer(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    unit_ids = fields.Pluck(UnitRefSchema, "id", many=True, attribute="units")
    station_codes = fields.Pluck(StationRefSchema, "code", many=True, attribute="stations")
    created_at = fields.DateTime()


class AnnouncementQuerySchema(Schema):
    kind = fields.String(load_default=None, validate=validate.OneOf(["one_off", "emergency"]))
    active = fields.Boolean(
        load_default=False, metadata={"description": "only emergencies still on air"}
    )
    limit = fields.Integer(load_default=100, validate=LIMIT)
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class VersionRefSchema(Schema):
    station = fields.String(attribute="station.code", metadata={"description": "station code"})
    date = fields.Date()
    version = fields.Integer()


class BroadcastSchema(Schema):
    announcement = fields.Nested(AnnouncementSchema)
    stations = fields.List(fields.Nested(StationRefSchema), metadata={"description": "reached"})
    playlists_rebuilt = fields.Integer(metadata={"description": "new playlist versions"})
    versions = fields.List(fields.Nested(VersionRefSchema))


class ReachSchema(Schema):
    count = fields.Integer()
    stations = fields.List(fields.Nested(StationRefSchema))
