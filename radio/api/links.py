"""Signed audio links: a player fetches a segment with the link alone, no token."""

from flask import abort
from flask_babel import format_datetime
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from audio_library.segments import Segment
from radio import audio
from radio.api.auth import ApiBlueprint
from radio.db import get_session
from radio.delivery.http import send_audio
from radio.delivery.links import LinkError, read_link

# No bearer token is asked here: the signature is the permission.
bp = ApiBlueprint(
    "api_links", __name__, url_prefix="/api/v1", description="Signed links for players"
)


@bp.get("/links/<token>/<name>")
@bp.doc(security=[])
@bp.response(200, description="The segment's audio, with ETag and Range support")
def fetch(token: str, name: str) -> Response:
    """A segment's audio through a signed link from an M3U8 or the operator page.

    The link names the segment and the station and stops working at the end of the day
    after its playlist's day; an altered or expired link answers 403 saying which.
    """
    try:
        link = read_link(token)
    except LinkError as error:
        if error.expired_at is not None:
            abort(
                403,
                description=_(
                    "This link expired on %(when)s. Download the playlist again for new links.",
                    when=format_datetime(error.expired_at, "short"),
                ),
            )
        abort(403, description=_("This link is not valid: it was changed or cut short."))
    segment = get_session().get(Segment, link.segment_id)
    path = audio.store().find(segment.audio_sha) if segment else None
    if segment is None or path is None:
        abort(404, description=_("This audio is no longer in the library."))
    return send_audio(path, segment.audio_sha, name)
