"""Schemas of campaigns, their quotas and their weekly progress (the OpenAPI document)."""

from marshmallow import Schema, fields, validate

from radio.api.ref_schemas import SegmentRefSchema, UnitRefSchema
from scheduler.campaigns import QuotaKind


class QuotaSchema(Schema):
    id = fields.Integer(load_default=None, metadata={"description": "keep this stored quota"})
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in QuotaKind]))
    times_per_week = fields.Integer(load_default=0)
    minutes_per_week = fields.Integer(load_default=0)
    topic_id = fields.Integer(load_default=None, allow_none=True)


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
