"""The station agent's heartbeat as the API reads and answers it.

The fields carry their own messages, in English msgids translated when the body is
read, so a device is told in Vietnamese what is wrong with each field.
"""

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from audio_library.db import nfc
from radio.airings.liveness import (
    KIND_CHARS,
    MAX_ERRORS,
    MAX_PLAYLISTS,
    MESSAGE_CHARS,
    VERSION_CHARS,
    AgentError,
    AgentState,
    Held,
    Playing,
    Report,
    WarningKind,
)
from radio.api.confirmation_schemas import INT_MAX, TIME

BIGINT_MAX = 2**63 - 1  # disk_free_bytes is stored as a 64-bit integer
MOMENT = _l("Write a time in ISO 8601 with its offset, for example 2026-11-28T06:00:00+07:00.")
COMMON = {
    "required": _l("This field is missing."),
    "null": _l("This field cannot be null."),
}


class Worded(fields.Field):  # type: ignore[type-arg]
    """Words its errors in the request's language (marshmallow formats only plain str)."""

    def make_error(self, key: str, **kwargs: Any) -> ValidationError:
        return ValidationError(str(self.error_messages[key]).format(**kwargs))


class Text(Worded, fields.String):
    """Text stored NFC and trimmed; NUL, which PostgreSQL cannot store, is refused."""

    default_error_messages = {**COMMON, "invalid": _l("Give text.")}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = nfc(super()._deserialize(value, attr, data, **kwargs)).strip()
        if "\x00" in text:
            raise ValidationError(_("Text cannot contain the NUL character."))
        return text


class WholeNumber(Worded, fields.Integer):
    """A JSON integer: not a fraction, not text, not true or false."""

    default_error_messages = {**COMMON, "invalid": _l("Give a whole number.")}

    def __init__(self, *, maximum: int = INT_MAX, minimum: int = 0, **kwargs: Any) -> None:
        error = _l("Give a whole number from {min} to {max}.")
        super().__init__(
            strict=True, validate=validate.Range(min=minimum, max=maximum, error=error), **kwargs
        )


class Day(Worded, fields.Date):
    default_error_messages = {**COMMON, "invalid": _l("Write a date as YYYY-MM-DD.")}


class Moment(Worded, fields.AwareDateTime):
    default_error_messages = {**COMMON, "invalid": MOMENT, "invalid_awareness": MOMENT}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{"metadata": TIME, **kwargs})


class ListOf(Worded, fields.List):
    default_error_messages = {**COMMON, "invalid": _l("Give a list.")}

    def __init__(self, schema: type[Schema], most: int, **kwargs: Any) -> None:
        too_many = validate.Length(max=most, error=_l("Send at most {max} entries."))
        super().__init__(Object(schema), validate=too_many, **kwargs)


class Object(Worded, fields.Nested):
    default_error_messages = {**COMMON, "type": _l("Give a JSON object.")}


class AgentSchema(Schema):
    """A part of the heartbeat; fields a newer agent adds are ignored, not refused."""

    class Meta:
        unknown = EXCLUDE

    error_messages = {"type": _l("Give a JSON object.")}


class HeldPlaylistSchema(AgentSchema):
    date = Day(required=True)
    version = WholeNumber(required=True, minimum=1)

    @post_load
    def typed(self, data: dict[str, Any], **_kwargs: Any) -> Held:
        return Held(data["date"], data["version"])


class AgentErrorSchema(AgentSchema):
    at = Moment(required=True)
    kind = Text(
        required=True,
        validate=validate.Length(min=1, max=KIND_CHARS, error=_l("Give 1 to {max} characters.")),
    )
    message = Text(
        required=True,
        validate=validate.Length(max=MESSAGE_CHARS, error=_l("Write at most {max} characters.")),
    )

    @post_load
    def typed(self, data: dict[str, Any], **_kwargs: Any) -> AgentError:
        return AgentError(data["at"], data["kind"], data["message"])


class PlayingSchema(AgentSchema):
    date = Day(required=True)
    session = WholeNumber(required=True, minimum=1)
    item_id = WholeNumber(load_default=None, allow_none=True)

    @post_load
    def typed(self, data: dict[str, Any], **_kwargs: Any) -> Playing:
        return Playing(data["date"], data["session"], data["item_id"])


class HeartbeatInSchema(AgentSchema):
    agent_version = Text(
        required=True,
        validate=validate.Length(min=1, max=VERSION_CHARS, error=_l("Give 1 to {max} characters.")),
        metadata={"example": "0.7.0"},
    )
    last_sync_at = Moment(load_default=None, allow_none=True)
    playlists = ListOf(
        HeldPlaylistSchema,
        MAX_PLAYLISTS,
        load_default=list,
        metadata={"description": "the playlist versions the agent holds, by day"},
    )
    disk_free_bytes = WholeNumber(required=True, maximum=BIGINT_MAX)
    pending_confirmations = WholeNumber(
        required=True, metadata={"description": "confirmations not yet acknowledged"}
    )
    errors = ListOf(
        AgentErrorSchema,
        MAX_ERRORS,
        load_default=list,
        metadata={"description": "most recent first"},
    )
    playing = Object(PlayingSchema, load_default=None, allow_none=True)
    clock = Moment(required=True, metadata={**TIME, "description": "the agent's own clock"})

    @post_load
    def typed(self, data: dict[str, Any], **_kwargs: Any) -> Report:
        return Report(**data)


class HeartbeatAnswerSchema(Schema):
    received_at = fields.DateTime()
    server_time = fields.DateTime()
    silent_after_minutes = fields.Integer(
        metadata={"description": "the agent counts as silent after this long without a heartbeat"}
    )


class HeldPlaylistOutSchema(Schema):
    date = fields.Date(attribute="day")
    version = fields.Integer(attribute="held")
    current_version = fields.Integer(
        attribute="current", allow_none=True, metadata={"description": "the server's"}
    )


class AgentErrorOutSchema(Schema):
    at = fields.DateTime()
    kind = fields.String()
    message = fields.String()


class PlayingOutSchema(Schema):
    date = fields.Date(attribute="day")
    session = fields.Integer()
    item_id = fields.Integer(allow_none=True)


class AgentWarningSchema(Schema):
    kind = fields.String(metadata={"enum": [k.value for k in WarningKind]})
    detail = fields.String(metadata={"description": "in the caller's language"})
    date = fields.Date(attribute="day", allow_none=True)
    held_version = fields.Integer(attribute="held", allow_none=True)
    current_version = fields.Integer(attribute="current", allow_none=True)
    seconds = fields.Float(allow_none=True)
    free_bytes = fields.Integer(allow_none=True)


class HeartbeatSchema(Schema):
    station = fields.String(metadata={"description": "station code"})
    state = fields.String(metadata={"enum": [s.value for s in AgentState]})
    warnings = fields.List(fields.Nested(AgentWarningSchema))
    first_seen_at = fields.DateTime()
    received_at = fields.DateTime()
    agent_version = fields.String()
    last_sync_at = fields.DateTime(allow_none=True)
    playlists = fields.List(fields.Nested(HeldPlaylistOutSchema))
    disk_free_bytes = fields.Integer()
    pending_confirmations = fields.Integer()
    errors = fields.List(fields.Nested(AgentErrorOutSchema))
    playing = fields.Nested(PlayingOutSchema, allow_none=True)
    clock_skew_seconds = fields.Float(metadata={"description": "agent clock minus server time"})
    remote_addr = fields.String()
    silent_after_minutes = fields.Integer()
