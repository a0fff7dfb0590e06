"""Session templates and unit limits (lịch phát)."""

from flask import Blueprint

bp = Blueprint("session_templates", __name__, url_prefix="/templates")
