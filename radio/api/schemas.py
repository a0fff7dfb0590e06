"""Request and response schemas of the API (they become the OpenAPI document)."""

from marshmallow import Schema, fields, validate


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
