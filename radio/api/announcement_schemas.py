"""Schemas of one-off announcements and emergency bulletins (the OpenAPI document)."""

from marshmallow import Schema, fields, validate

from audio_library.segments import Level
from radio.api.ref_schemas import SegmentRefSchema, StationRefSchema, UnitRefSchema

LIMIT = validate.Range(min=1, max=1000)


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
