"""Request and response schemas of the API (they become the OpenAPI document)."""

from flask import url_for
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from radio.db import get_session
from radio.messages import job_error, job_result
from scheduler.campaigns import campaigns_of


class StationSchema(Schema):
    code = fields.String(metadata={"description": "Station code, used in every station URL"})
    name = fields.String()
    unit_code = fields.String(attribute="unit.code")
    unit_name = fields.String(attribute="unit.name")
    unit_path = fields.String(metadata={"description": "Names from the province down"})
    timezone = fields.String(metadata={"example": "Asia/Ho_Chi_Minh"})
    kind = fields.String(metadata={"enum": ["wired", "fm", "ip"]})
    clusters = fields.Integer()
    active = fields.Boolean()


class StationQuerySchema(Schema):
    q = fields.String(load_default="", metadata={"description": "Part of a code or name"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class MeSchema(Schema):
    kind = fields.String(metadata={"enum": ["person", "station"]})
    username = fields.String()
    role = fields.String()
    unit_code = fields.String(allow_none=True)
    station_code = fields.String(allow_none=True)


class SegmentSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    topic = fields.String(attribute="topic.code")
    topic_name = fields.String(attribute="topic.name")
    campaigns = fields.Function(
        lambda segment: [c.code for c in campaigns_of(get_session(), segment.id)],
        metadata={"description": "codes of the campaigns it serves"},
    )
    level = fields.String(metadata={"enum": ["normal", "priority", "emergency"]})
    language = fields.String()
    air_from = fields.Date(allow_none=True)
    air_until = fields.Date(allow_none=True)
    source = fields.String(metadata={"enum": ["upload", "recording", "tts", "relay"]})
    state = fields.String(
        metadata={"enum": ["draft", "submitted", "approved", "rejected", "archived"]}
    )
    reject_reason = fields.String()
    version = fields.Integer()
    previous_id = fields.Integer(allow_none=True)
    text = fields.String()
    tts_engine = fields.String()
    tts_note = fields.String(metadata={"description": "engines that failed first, engine:reason"})
    duration = fields.Float(metadata={"description": "seconds"})
    loudness_lufs = fields.Float()
    sha256 = fields.String(attribute="audio_sha")
    audio_url = fields.Function(
        lambda segment: url_for("api_segments.segment_audio", segment_id=segment.id)
    )
    author_id = fields.Integer(allow_none=True)
    approver_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class SegmentQuerySchema(Schema):
    q = fields.String(load_default="")
    state = fields.String(load_default=None)
    level = fields.String(load_default=None)
    topic = fields.String(load_default=None, metadata={"description": "topic code"})
    campaign = fields.String(load_default=None, metadata={"description": "campaign code"})
    valid = fields.String(
        load_default=None,
        validate=validate.OneOf(["now", "expired"]),
        metadata={"description": "now: can air today; expired"},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class MetadataSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    topic = fields.String(required=True, metadata={"description": "topic code"})
    level = fields.String(
        load_default="normal", validate=validate.OneOf(["normal", "priority", "emergency"])
    )
    language = fields.String(load_default="vi", validate=validate.Length(max=20))
    air_from = fields.Date(load_default=None)
    air_until = fields.Date(load_default=None)
    campaigns = fields.List(
        fields.String(), load_default=list, metadata={"description": "campaign codes"}
    )


class UploadFormSchema(MetadataSchema):
    file = Upload(required=True, metadata={"description": "the audio: MP3, WAV, OGG, M4A, …"})
    source = fields.String(load_default="upload", validate=validate.OneOf(["upload", "recording"]))


class EditSchema(MetadataSchema):
    text = fields.String(load_default="")


class RejectSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class TTSRequestSchema(MetadataSchema):
    text = fields.String(required=True)
    voice = fields.String(
        load_default="north", validate=validate.OneOf(["north", "central", "south"])
    )
    speed = fields.Float(load_default=1.0, validate=validate.Range(min=0.5, max=2.0))
    engine = fields.String(load_default=None, validate=validate.OneOf(["gtts", "espeak"]))


class PreviewSchema(Schema):
    text = fields.String(required=True)


class SpokenSchema(Schema):
    spoken = fields.String()


class JobSchema(Schema):
    id = fields.String()
    kind = fields.String()
    state = fields.String(metadata={"enum": ["queued", "running", "done", "failed", "cancelled"]})
    progress = fields.Float(metadata={"description": "0 to 1"})
    stage = fields.String()
    error = fields.String()
    message = fields.Function(
        lambda job: job_error(job) if job.state == "failed" else "",
        metadata={"description": "the failure in the user's language"},
    )
    result = fields.Function(job_result)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
