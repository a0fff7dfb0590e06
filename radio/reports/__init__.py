"""The compliance report in the formats the province asks for: CSV, XLSX and a PDF.

radio.reports.table holds the rows and their headers; each writer formats them. The API
and `radio report` both start from `unit_report`.
"""

from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from radio.compliance_request import PeriodError, unit_compliance
from radio.db import get_session
from radio.reports.table import Report, make_report
from scheduler.campaigns import Campaign
from scheduler.units import Unit


def unit_report(unit: Unit, first: date, last: date, campaign_code: str = "") -> Report:
    """The unit's report for the period, of one campaign's items when a code is given."""
    session = get_session()
    campaign = None
    if campaign_code:
        campaign = session.scalar(select(Campaign).where(Campaign.code == campaign_code.strip()))
        if campaign is None:
            raise PeriodError(_("No campaign has the code %(code)s.", code=campaign_code))
    c = unit_compliance(unit, first, last, campaign_id=campaign.id if campaign else None)
    return make_report(session, c, current_app.config["TIMEZONE"], campaign)
