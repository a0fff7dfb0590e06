"""Schemas of a station-day's playlist as the API shows it (they become the OpenAPI document)."""

from marshmallow import Schema, fields, validate

from radio.api.ref_schemas import CampaignRefSchema, TopicRefSchema


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


class DaysSchema(Schema):
    days = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=7),
        metadata={"description": "how many days from the date, for a station that fetches ahead"},
    )
