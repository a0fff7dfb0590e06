"""A station's playlist for a day."""

from radio.api.auth import blueprint

bp = blueprint("api_playlists", __name__, "Playlists")
