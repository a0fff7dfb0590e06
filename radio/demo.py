"""The demo: Đắk Nông's real units (2021), a station per commune, one user per role."""

from datetime import date, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from audio_library.segments import Topic
from radio.demo_airings import HISTORY_DAYS
from radio.demo_content import CAMPAIGN, TOPICS
from radio.demo_schedule import ensure_schedule
from radio.people import Role, User, find_user, save_user
from scheduler.campaigns import Campaign
from scheduler.stations import save_station
from scheduler.unit_import import import_units
from scheduler.units import Station, StationKind, Tier, Unit

UNITS_FILE = "dak-nong-2021.csv"
PROVINCE = "67"  # Tỉnh Đắk Nông
DISTRICT = "662"  # Huyện Cư Jút: the demo auditor's district
OPERATOR_COMMUNE = "24646"  # Xã Ea Pô, in Cư Jút
PLAN_LENGTH = date(2021, 12, 31) - date(2021, 5, 1)  # the 2021 plan's period

# username, full name, role, unit code (None: the whole system)
USERS = [
    ("admin", "Quản trị hệ thống", Role.ADMIN, None),
    ("planner", "Nguyễn Thị Lan (Sở VHTTDL)", Role.PLANNER, PROVINCE),
    ("editor", "Trần Văn Minh (biên tập)", Role.EDITOR, PROVINCE),
    ("approver", "Lê Thị Hoa (duyệt tin)", Role.APPROVER, PROVINCE),
    ("auditor", "Phạm Văn Đức (Phòng VH-TT Cư Jút)", Role.AUDITOR, DISTRICT),
    ("operator", "H'Linh Niê (đài xã Ea Pô)", Role.OPERATOR, None),
]


def ensure_topics(session: Session) -> dict[str, Topic]:
    """The plan's topics, added where missing; by code."""
    existing = {t.code: t for t in session.scalars(select(Topic))}
    for code, name in TOPICS:
        if code not in existing:
            existing[code] = Topic(code=code, name=name)
            session.add(existing[code])
    session.flush()
    return existing


def demo_province(session: Session) -> Unit:
    province = session.scalar(select(Unit).where(Unit.code == PROVINCE, Unit.tree == PROVINCE))
    if province is None:
        raise LookupError("load the demo units first")
    return province


def station_code(unit: Unit) -> str:
    return f"{unit.tree}-{unit.code}"


def load_demo(session: Session, *, password: str, timezone: str) -> tuple[int, int]:
    """Load or refresh the demo; return (units, stations) of the demo province.

    Running it again changes nothing but the demo users' passwords.
    """
    data = resources.files("radio").joinpath("data/units", UNITS_FILE).read_bytes()
    result = import_units(session, data)
    communes = [u for u in result.units if u.tier == Tier.COMMUNE]
    existing = set(session.scalars(select(Station.code)))
    for unit in communes:
        if station_code(unit) not in existing:
            station = Station(
                code=station_code(unit),
                name=f"Đài truyền thanh {unit.name}",
                timezone=timezone,
                kind=StationKind.IP if unit.name.startswith("Phường") else StationKind.WIRED,
                clusters=3,
                active=True,
                contact="",
            )
            save_station(session, station, unit)
    by_code = {u.code: u for u in result.units}
    operator_station = session.scalar(
        select(Station).where(Station.code == station_code(by_code[OPERATOR_COMMUNE]))
    )
    for username, full_name, role, unit_code in USERS:
        user = find_user(session, username) or User(username=username, password_hash="")
        user.full_name = full_name
        save_user(
            session,
            user,
            role=role,
            unit=by_code[unit_code] if unit_code else None,
            station=operator_station if role is Role.OPERATOR else None,
            password=password,
        )
    ensure_topics(session)
    ensure_campaign(session, by_code[PROVINCE], datetime.now(ZoneInfo(timezone)).date())
    ensure_schedule(session, by_code[PROVINCE])
    return len(result.units), len(communes)


def ensure_campaign(session: Session, province: Unit, today: date) -> Campaign:
    """The campaign built from the facts of the province's 2021 plan.

    It keeps the plan's length (May to December) but starts a week before the demo is
    loaded, so that the demo's playlists, quota views and last week's audit have
    something to show.
    """
    campaign = session.scalar(select(Campaign).where(Campaign.code == CAMPAIGN["code"]))
    if campaign is None:
        campaign = Campaign(
            code=CAMPAIGN["code"],
            name=CAMPAIGN["name"],
            legal_refs=CAMPAIGN["legal_refs"],
            starts_on=today - timedelta(days=HISTORY_DAYS),
            ends_on=today + PLAN_LENGTH,
            unit_id=province.id,
        )
        session.add(campaign)
        session.flush()
    return campaign
