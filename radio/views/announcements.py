"""One-off announcements and emergency bulletins."""

from flask import Blueprint

bp = Blueprint("announcements", __name__, url_prefix="/announcements")
