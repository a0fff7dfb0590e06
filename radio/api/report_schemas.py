"""The compliance report as the OpenAPI document describes it."""

from marshmallow import Schema, fields

from radio.api.ref_schemas import CampaignRefSchema, StationRefSchema, TopicRefSchema
from radio.reports.table import FIGURES, SESSIONS, Column, Kind

UNITS = {Kind.COUNT: "count", Kind.MINUTES: "minutes", Kind.RATE: "0–1, null when none was due"}


def _field(col: Column) -> fields.Field:
    description = f"{col.key.replace('_', ' ')} ({UNITS[col.kind]})"
    if col.kind is Kind.COUNT:
        return fields.Integer(metadata={"description": description})
    return fields.Float(allow_none=col.kind is Kind.RATE, metadata={"description": description})


# One field per column of the report's tables, under the same key.
FiguresSchema = Schema.from_dict({c.key: _field(c) for c in FIGURES}, name="FiguresSchema")
SessionsSchema = Schema.from_dict({c.key: _field(c) for c in SESSIONS}, name="SessionsSchema")


class QueryArgsSchema(Schema):
    unit = fields.String(
        metadata={"description": "required: unit code (TREE:CODE when reused)", "example": "662"}
    )
    from_ = fields.String(
        data_key="from", metadata={"description": "required: first day, YYYY-MM-DD"}
    )
    to = fields.String(metadata={"description": "required: last day (inclusive), YYYY-MM-DD"})
    campaign = fields.String(metadata={"description": "only this campaign's items (its code)"})


class UnitSchema(Schema):
    code = fields.String()
    name = fields.String()
    path = fields.String(metadata={"description": "e.g. “Tỉnh Đắk Nông › Huyện Cư Jút”"})


class PeriodSchema(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class AnchorSchema(Schema):
    hash = fields.String(metadata={"description": "daily anchor of the unit's stations"})
    until = fields.DateTime(metadata={"description": "it covers records received before this"})


class StationLineSchema(Schema):
    code = fields.String()
    name = fields.String()
    unit_path = fields.String()
    figures = fields.Nested(FiguresSchema)
    sessions = fields.Nested(SessionsSchema)
    last_download = fields.DateTime(allow_none=True)
    last_contact = fields.DateTime(
        allow_none=True, metadata={"description": "a download, a report or a token's use"}
    )


class DayLineSchema(Schema):
    day = fields.Date()
    figures = fields.Nested(FiguresSchema)


class TopicLineSchema(Schema):
    topic = fields.Nested(TopicRefSchema, allow_none=True)
    figures = fields.Nested(FiguresSchema)


class CampaignLineSchema(Schema):
    campaign = fields.Nested(CampaignRefSchema, allow_none=True)
    figures = fields.Nested(FiguresSchema)


class LevelLineSchema(Schema):
    level = fields.String(metadata={"enum": ["normal", "priority", "emergency"]})
    figures = fields.Nested(FiguresSchema)


class QuotaLineSchema(Schema):
    campaign = fields.Nested(CampaignRefSchema)
    kind = fields.String(metadata={"enum": ["segment_plays", "topic_minutes"]})
    label = fields.String(metadata={"description": "the topic's name, or the campaign's"})
    station = fields.Nested(StationRefSchema)
    required = fields.Float(metadata={"description": "plays or minutes over the period"})
    done = fields.Float()
    met = fields.Boolean()


class EmergencyLineSchema(Schema):
    station = fields.Nested(StationRefSchema)
    title = fields.String()
    planned_start = fields.DateTime()
    status = fields.String(allow_none=True, metadata={"description": "null: not reported"})
    started_at = fields.DateTime(allow_none=True)
    delay_seconds = fields.Float(allow_none=True)


class ComplianceSchema(Schema):
    unit = fields.Nested(UnitSchema)
    period = fields.Nested(PeriodSchema)
    campaign = fields.Nested(
        CampaignRefSchema, allow_none=True, metadata={"description": "set when narrowed to one"}
    )
    made_at = fields.DateTime()
    anchor = fields.Nested(AnchorSchema)
    total = fields.Nested(FiguresSchema)
    sessions = fields.Nested(SessionsSchema)
    stations = fields.List(fields.Nested(StationLineSchema))
    days = fields.List(fields.Nested(DayLineSchema))
    topics = fields.List(fields.Nested(TopicLineSchema))
    campaigns = fields.List(fields.Nested(CampaignLineSchema))
    levels = fields.List(fields.Nested(LevelLineSchema))
    quotas = fields.List(fields.Nested(QuotaLineSchema))
    emergencies = fields.List(fields.Nested(EmergencyLineSchema))
