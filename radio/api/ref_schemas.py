"""Short references to other objects (a topic, a segment, a unit...), nested in other schemas."""

from marshmallow import Schema, fields


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


class TopicRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class CampaignRefSchema(Schema):
    code = fields.String()
    name = fields.String()
