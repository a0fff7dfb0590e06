"""The confirmation batch as the OpenAPI document describes it.

The body is read by radio.api.confirmations itself, entry by entry, so that one bad
entry is answered on its own instead of failing the batch.
"""

from marshmallow import Schema, fields, validate

from radio.airings.intake import LONGEST, MAX_BATCH, NOTE_CHARS, TITLE_CHARS, Outcome
from radio.airings.records import NotAiredReason, Status, UnplannedKind

INT_MAX = 2**31 - 1  # the database's integer columns hold no more
ID = validate.Range(min=0, max=INT_MAX)
TIME = {"description": "ISO 8601 with offset", "example": "2026-07-01T06:00:00+07:00"}


class ConfirmationInSchema(Schema):
    item_id = fields.Integer(
        allow_none=True,
        validate=ID,
        metadata={"description": "playlist item id; null for an unplanned airing"},
    )
    client_key = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "the device's own key; a retry with the same key is idempotent"},
    )
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in Status]))
    started_at = fields.DateTime(allow_none=True, metadata=TIME)
    ended_at = fields.DateTime(allow_none=True, metadata=TIME)
    reason = fields.String(
        allow_none=True,
        validate=validate.OneOf([r.value for r in NotAiredReason]),
        metadata={"description": "required unless aired"},
    )
    note = fields.String(validate=validate.Length(max=NOTE_CHARS))
    client_time = fields.DateTime(allow_none=True, metadata=TIME)
    corrects = fields.Integer(
        allow_none=True,
        validate=ID,
        metadata={"description": "id of the record this one corrects"},
    )
    kind = fields.String(
        validate=validate.OneOf([k.value for k in UnplannedKind]),
        metadata={"description": "unplanned airings only"},
    )
    title = fields.String(
        validate=validate.Length(max=TITLE_CHARS),
        metadata={"description": "unplanned airings only"},
    )
    topic = fields.String(metadata={"description": "topic code, unplanned airings only"})
    seconds = fields.Integer(
        validate=validate.Range(min=1, max=int(LONGEST.total_seconds())),
        metadata={"description": "length, unplanned airings only"},
    )


class BatchInSchema(Schema):
    items = fields.List(
        fields.Nested(ConfirmationInSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_BATCH),
    )


class EntryOutcomeSchema(Schema):
    index = fields.Integer()
    item_id = fields.Integer(allow_none=True)
    client_key = fields.String()
    outcome = fields.String(metadata={"enum": [o.value for o in Outcome]})
    id = fields.Integer(allow_none=True, metadata={"description": "the record, when stored"})
    late = fields.Boolean(allow_none=True)
    received_at = fields.DateTime(allow_none=True)
    error = fields.String(allow_none=True, metadata={"description": "why it was rejected"})
    detail = fields.String(allow_none=True)


class BatchOutcomeSchema(Schema):
    created = fields.Integer()
    duplicate = fields.Integer()
    rejected = fields.Integer()
    items = fields.List(fields.Nested(EntryOutcomeSchema))
