"""Station day view and unit calendar of playlists."""

from flask import Blueprint

bp = Blueprint("playlists", __name__)
