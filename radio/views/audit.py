"""The auditor's pages: a unit's compliance at a glance, then a station, a day, each
item's history and a record in its chain. Every page asks VIEW_AUDIT in scope."""

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from audio_library.db import utcnow
from radio.airing_messages import REASON_LABELS, SOURCE_LABELS, STATUS_LABELS, UNPLANNED_LABELS
from radio.airings import history
from radio.airings.chain import stations_under
from radio.airings.compliance import MATRIX_DAYS, Compliance
from radio.airings.liveness import AgentState, playing_title
from radio.charts import minutes, percent, quota_chart, rate_chart, topic_chart
from radio.compliance_request import PeriodError, audit_unit, parse_period, unit_compliance
from radio.db import get_session
from radio.liveness_messages import (
    WARNING_LABELS,
    agents_now,
    ago,
    human_bytes,
    skew_text,
    state_text,
    warning_text,
)
from radio.policy import Permission, require, station_or_403
from radio.schedule import local_today
from radio.schedule_messages import minutes_seconds
from radio.views.playlists import clock, parse_day
from scheduler.units import Unit, path_names, units_by_code

bp = Blueprint("audit", __name__, url_prefix="/audit")

DEFAULT_DAYS = 7
ANCHOR_DAYS = 31  # the anchors listed: the period's last days
SILENT_AFTER = timedelta(days=2)  # a station not heard from for longer is highlighted
REPORT_PATH = "/api/v1/reports/compliance"  # the export API, linked by its public path


def unit_ref(unit: Unit) -> str:
    """How a URL names the unit: its code, or TREE:CODE when the code is used twice."""
    shared = len(units_by_code(get_session(), unit.code)) > 1
    return f"{unit.tree}:{unit.code}" if shared else unit.code


def asked_period() -> tuple[str, str, tuple[date, date] | str]:
    """The period in the query (the last 7 days by default): its texts, and the days or
    the error that says what is wrong with them."""
    today = local_today()
    first_text = request.args.get("from") or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    last_text = request.args.get("to") or today.isoformat()
    try:
        return first_text, last_text, parse_period(first_text, last_text)
    except PeriodError as error:
        return first_text, last_text, str(error)


def delay(seconds: float) -> str:
    """Seconds late as m:ss ("−" for early: a device clock ahead of the server's)."""
    return ("−" if seconds < 0 else "") + minutes_seconds(abs(seconds))


def wording() -> dict[str, Any]:
    return {
        "percent": percent,
        "minutes": minutes,
        "delay": delay,
        "good_rate": history.GOOD,
        "fair_rate": history.FAIR,
        "airing_status": STATUS_LABELS,
        "airing_reason": REASON_LABELS,
        "airing_source": SOURCE_LABELS,
        "unplanned_labels": UNPLANNED_LABELS,
        "agent_state": state_text,
        "agent_warning_labels": WARNING_LABELS,
        "agent_warning": warning_text,
        "ago": ago,
        "human_bytes": human_bytes,
        "skew_text": skew_text,
    }


@bp.get("")
@login_required
def index() -> Response | str:
    require(Permission.VIEW_AUDIT)
    if current_user.unit is not None:
        return redirect(url_for("audit.unit", code=unit_ref(current_user.unit)))
    roots = get_session().scalars(
        select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.tree, Unit.code)
    )
    return render_template("audit/index.html", roots=[(u, unit_ref(u)) for u in roots])


@bp.get("/units/<code>")
@login_required
def unit(code: str) -> str:
    unit = audit_unit(code)
    session = get_session()
    ref = unit_ref(unit)
    first_text, last_text, period = asked_period()
    page: dict[str, Any] = {
        "unit": unit,
        "ref": ref,
        "path": path_names(session, [unit])[unit.id],
        "children": [(u, unit_ref(u)) for u in unit.children],
        "first_text": first_text,
        "last_text": last_text,
        "period": {"from": first_text, "to": last_text},
        "narrower_days": MATRIX_DAYS,
        "now": utcnow(),
        **wording(),
    }
    if isinstance(period, str):
        return render_template("audit/unit.html", error=period, **page)
    c = unit_compliance(unit, *period)
    today = local_today()
    rows = None  # compliance has no station-day cells for longer periods
    if detailed(c):
        rows = {s.station.id: history.matrix(c, s.station.id, today) for s in c.stations}
    zone = current_app.config["TIMEZONE"]
    days = history.period_days(c.first, c.last)
    anchor_days = days[-ANCHOR_DAYS:]
    # Over every station of the unit, as compliance and `radio audit anchor` take them.
    under = stations_under(session, unit)
    anchors = history.day_anchors(session, under, anchor_days, zone, utcnow())
    query = urlencode({"unit": ref, "from": c.first.isoformat(), "to": c.last.isoformat()})
    topics = history.topic_names(session, {t for t, _f in c.topics if t})
    quotas = history.quota_progress(c.quotas)
    agents = agents_now([line.station.id for line in c.stations])
    return render_template(
        "audit/unit.html",
        c=c,
        agents=agents,
        silent_agents=[
            line.station.code
            for line in c.stations
            if agents[line.station.id].state == AgentState.SILENT
        ],
        headline=history.headline(c),
        days=days,
        rows=rows,
        narrower=narrower(c),
        silent=silent_stations(c),
        anchors=anchors,
        anchored_so_far=not anchors or anchors[-1][0] < c.last,
        anchors_cut=anchor_days[0] > c.first,
        zone=zone,
        local_day=lambda station, moment: moment.astimezone(ZoneInfo(station.timezone)).date(),
        exports={
            "json": f"{REPORT_PATH}?{query}",
            "csv": f"{REPORT_PATH}.csv?{query}",
            "xlsx": f"{REPORT_PATH}.xlsx?{query}",
            "pdf": f"{REPORT_PATH}.pdf?{query}",
        },
        charts=[
            rate_chart(c.first, c.last, c.days),
            topic_chart(c, topics),
            *([quota_chart(quotas)] if quotas else []),
        ],
        **page,
    )


def detailed(c: Compliance) -> bool:
    """Whether the period is short enough for compliance to give each station's days."""
    return (c.last - c.first).days < MATRIX_DAYS


def narrower(c: Compliance) -> dict[str, str]:
    """The period's last days that the matrix can show (a link's query)."""
    first = max(c.first, c.last - timedelta(days=MATRIX_DAYS - 1))
    return {"from": first.isoformat(), "to": c.last.isoformat()}


def silent_stations(c: Compliance) -> set[int]:
    """Stations not heard from for more than two days (or never)."""
    now = utcnow()
    return {
        line.station.id
        for line in c.stations
        if line.last_contact is None or now - line.last_contact > SILENT_AFTER
    }


@bp.get("/stations/<code>")
@login_required
def station(code: str) -> str:
    station = station_or_403(code, Permission.VIEW_AUDIT)
    first_text, last_text, period = asked_period()
    agent = agents_now([station.id])[station.id]
    playing = agent.heartbeat.now_playing if agent.heartbeat else None
    page: dict[str, Any] = {
        "station": station,
        "agent": agent,
        "playing": playing,
        "playing_title": playing_title(get_session(), station.id, playing) if playing else None,
        "moment": clock(ZoneInfo(station.timezone), "%d/%m/%Y %H:%M:%S"),
        "unit_ref": unit_ref(station.unit),
        "path": path_names(get_session(), [station.unit])[station.unit_id],
        "first_text": first_text,
        "last_text": last_text,
        "period": {"from": first_text, "to": last_text},
        "narrower_days": MATRIX_DAYS,
        "now": utcnow(),
        **wording(),
    }
    if isinstance(period, str):
        return render_template("audit/station.html", error=period, **page)
    c = unit_compliance(station.unit, *period)
    line = next((s for s in c.stations if s.station.id == station.id), None)
    rows = history.matrix(c, station.id, local_today()) if detailed(c) else None
    by_day = {cell.day: cell.figures for cell in rows or [] if cell.figures.planned_items}
    return render_template(
        "audit/station.html",
        c=c,
        line=line,
        rows=rows,
        narrower=narrower(c),
        silent=line is not None and station.id in silent_stations(c),
        chart=rate_chart(c.first, c.last, by_day) if rows else None,
        **page,
    )


@bp.get("/stations/<code>/days/<day>")
@login_required
def day(code: str, day: str) -> str:
    station = station_or_403(code, Permission.VIEW_AUDIT)
    on = parse_day(day)
    zone = ZoneInfo(station.timezone)
    return render_template(
        "audit/day.html",
        station=station,
        day=on,
        h=history.day_history(get_session(), station, on),
        previous=on - timedelta(days=1),
        following=on + timedelta(days=1),
        hhmmss=clock(zone, "%H:%M:%S"),
        moment=clock(zone, "%d/%m/%Y %H:%M:%S"),
        mmss=minutes_seconds,
        now=utcnow(),
        **wording(),
    )


@bp.get("/stations/<code>/records/<number>")
@login_required
def record(code: str, number: str) -> str:
    station = station_or_403(code, Permission.VIEW_AUDIT)
    # A record no. is a positive integer that fits the column (PostgreSQL's int).
    known = number.isascii() and number.isdigit() and len(number) <= 9
    link = history.chain_link(get_session(), station.id, int(number)) if known else None
    if link is None:
        abort(404)
    records = [r for r in (link.previous, link.record, link.following) if r is not None]
    corrected = {r.corrects_id for r in records if r.corrects_id}
    zone = ZoneInfo(station.timezone)
    return render_template(
        "audit/record.html",
        station=station,
        link=link,
        actors=history.actors(get_session(), records),
        seqs=history.record_numbers(get_session(), corrected),
        hhmmss=clock(zone, "%H:%M:%S"),
        moment=clock(zone, "%d/%m/%Y %H:%M:%S"),
        **wording(),
    )
