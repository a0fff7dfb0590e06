"""Schemas of session templates and unit rules (they become the OpenAPI document)."""

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from radio.db import get_session
from scheduler.templates import ItemKind, SessionTemplate
from scheduler.units import Station

HH_MM = "%H:%M"


def _required(field: str) -> ValidationError:
    return ValidationError(fields.Field.default_error_messages["required"], field)


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
