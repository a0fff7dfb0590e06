"""What the audit pages, the report API and `radio report` share: the unit asked for, the
period, and the compliance figures made with this deployment's settings."""

from datetime import date, timedelta

from flask import abort, current_app
from flask_babel import gettext as _
from flask_login import current_user

from audio_library.db import utcnow
from radio.airings.compliance import Compliance, compliance
from radio.db import get_session
from radio.playlist_docs import ISO_DATE
from radio.policy import Permission, require, sees_whole_tree
from scheduler.units import Unit, units_by_code

MAX_DAYS = 400  # a year and a little more: the province's yearly report


class PeriodError(ValueError):
    """A unit or period that cannot be reported, with the message saying why."""


def find_unit(code: str) -> Unit:
    """The unit with this code ("TREE:CODE" when the code is used in two trees)."""
    found = units_by_code(get_session(), code)
    if not found:
        raise PeriodError(_("No unit has the code %(code)s.", code=code))
    if len(found) > 1:
        raise PeriodError(
            _(
                "The code %(code)s is used in several trees: write TREE:CODE, e.g. %(example)s.",
                code=code,
                example=f"{found[0].tree}:{code}",
            )
        )
    return found[0]


def parse_period(first_text: str, last_text: str) -> tuple[date, date]:
    """The first and last day (inclusive) from two YYYY-MM-DD texts, or PeriodError."""
    days = []
    for text in (first_text, last_text):
        if not ISO_DATE.fullmatch(text or ""):
            raise PeriodError(
                _(
                    "The date “%(value)s” is not valid: write it as YYYY-MM-DD, "
                    "for example %(example)s.",
                    value=text or "",
                    example=date.today().isoformat(),
                )
            )
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            raise PeriodError(_("The date “%(value)s” does not exist.", value=text)) from None
    first, last = days
    if last < first:
        raise PeriodError(_("The period ends before it starts."))
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError(
            _("A report covers at most %(days)s days: split the period.", days=MAX_DAYS)
        )
    return first, last


def audit_unit(code: str) -> Unit:
    """The unit an auditor (or admin) asks about: 400 if unknown, 403 outside their scope."""
    try:
        unit = find_unit(code)
    except PeriodError as error:
        if not sees_whole_tree(current_user):
            abort(403)
        abort(400, description=str(error))
    require(Permission.VIEW_AUDIT, unit)
    return unit


def unit_compliance(
    unit: Unit, first: date, last: date, campaign_id: int | None = None
) -> Compliance:
    """The unit's figures as of now; with a campaign, only that campaign's items count."""
    config = current_app.config
    return compliance(
        get_session(),
        unit,
        first,
        last,
        now=utcnow(),
        grace=timedelta(hours=config["CONFIRM_GRACE_HOURS"]),
        zone=config["TIMEZONE"],
        campaign_id=campaign_id,
    )
