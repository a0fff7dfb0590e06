"""The daily digest in words: the figures' labels, and the e-mail sent when SMTP is set.

Configuration: SMTP_HOST (unset: no mail), SMTP_PORT, SMTP_USER and SMTP_PASSWORD (a
login when a user is given), SMTP_FROM, SMTP_TLS (STARTTLS). Mail goes to the active
auditors and admins of the digest's unit who have an e-mail address.
"""

import logging
import smtplib
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask import Flask, render_template
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, sessionmaker

from radio.airings.digest import recipients, silent_agents
from radio.airings.follow_up import Digest
from radio.airings.jobs import Sender
from scheduler.units import Unit

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 30  # seconds; a mail server that hangs must not hold the scheduler

# The figures a digest shows, in this order.
FIGURE_LABELS = {
    "stations": _l("Active stations"),
    "sessions_planned": _l("Sessions planned"),
    "items_planned": _l("Items planned"),
    "items_aired": _l("Items confirmed aired"),
    "items_partly_aired": _l("Items partly aired"),
    "items_not_aired": _l("Items not aired"),
    "sessions_unconfirmed": _l("Sessions with no confirmation"),
    "late_confirmations": _l("Late confirmations received that day"),
    "emergencies_planned": _l("Emergency items planned"),
    "emergencies_aired": _l("Emergency items aired"),
    "silent_stations": _l("Stations not heard from for two days"),
    "silent_agents": _l("Station agents silent"),
}


def mailer(app: Flask) -> Sender | None:
    """The digest job's sender, or None when no SMTP server is configured."""
    if not app.config.get("SMTP_HOST"):
        return None

    def send(sessions: sessionmaker[Session], digest_ids: list[int]) -> None:
        with app.app_context():
            for digest_id in digest_ids:
                try:
                    send_digest(sessions, digest_id, app.config)
                except (OSError, smtplib.SMTPException):
                    # The next run tries again: a digest is marked only once delivered.
                    log.exception("digest %s could not be e-mailed", digest_id)

    return send


def send_digest(
    sessions: sessionmaker[Session], digest_id: int, config: Mapping[str, Any]
) -> list[str]:
    """E-mail one digest to its unit's readers, once; who got it (empty: nobody to send to)."""
    with sessions() as session:
        digest = session.get(Digest, digest_id)
        if digest is None or digest.emailed_to:
            return []
        to = recipients(session, digest.unit_id)
        if not to:
            return []
        message = compose(digest, session.get(Unit, digest.unit_id), to, config)
    deliver(config, message)
    with sessions.begin() as session:
        session.get(Digest, digest_id).emailed_to = ", ".join(to)[:500]  # type: ignore[union-attr]
    return to


def subject(digest: Digest, unit: Unit | None) -> str:
    return _(
        "Airing digest of %(unit)s for %(day)s",
        unit=unit.name if unit else "",
        day=format_date(digest.day, "short"),
    )


def compose(
    digest: Digest, unit: Unit | None, to: list[str], config: Mapping[str, Any]
) -> EmailMessage:
    """The digest as a plain-text e-mail, in the default language (Vietnamese)."""
    message = EmailMessage()
    message["Subject"] = subject(digest, unit)
    message["From"] = config["SMTP_FROM"]
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=str(config["SMTP_FROM"]).rpartition("@")[2] or None)
    unconfirmed = [
        {**s, "starts_at": datetime.fromisoformat(s["starts_at"])}
        for s in digest.figures.get("unconfirmed", [])
    ]
    body = render_template(
        "digest/mail.txt",
        digest=digest,
        unit=unit,
        figures=digest.figures,
        labels=FIGURE_LABELS,
        unconfirmed=unconfirmed,
        agents=silent_agents(digest.figures),
    )
    message.set_content(body)
    return message


def deliver(config: Mapping[str, Any], message: EmailMessage) -> None:
    host, port = str(config["SMTP_HOST"]), int(config["SMTP_PORT"])
    with smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT) as smtp:
        if config["SMTP_TLS"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(str(config["SMTP_USER"]), str(config["SMTP_PASSWORD"]))
        smtp.send_message(message)
