"""The agent's side of the HTTP API: playlists with ETags, audio, confirmations, heartbeat."""

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import requests

from radio.agent.words import _

CHUNK = 64 * 1024


class ServerProblem(Exception):
    """Anything that stops one exchange with the server; `kind` names it for the log."""

    kind = "server_error"


class Unreachable(ServerProblem):
    kind = "server_unreachable"


class Refused(ServerProblem):
    """The server refuses the token: revoked, replaced or for another station."""

    kind = "token_refused"


class NotBuilt(ServerProblem):
    kind = "not_built"


class BadDownload(ServerProblem):
    kind = "bad_download"


class DiskFull(ServerProblem):
    kind = "disk_full"


@dataclass(frozen=True)
class Fetched:
    body: dict[str, Any] | None  # None: unchanged since the ETag we hold
    etag: str


class ServerClient:
    def __init__(self, server: str, token: str, version: str, timeout: float = 20) -> None:
        self.base = server.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.http.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "X-Loaxa-Agent": version,
                "User-Agent": f"loaxa-agent/{version}",
                "Accept-Language": "vi",
            }
        )

    def _call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        if not url.startswith(("http://", "https://")):
            url = f"{self.base}/api/v1{url}"
        try:
            response = self.http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise unreachable(self.base, exc) from exc
        if response.status_code in (401, 403):
            raise Refused(
                _("The server refused the device token (%(status)s): %(detail)s")
                % {"status": response.status_code, "detail": _detail(response)}
            )
        if response.status_code >= 500:
            raise ServerProblem(
                _("The server answered %(status)s: %(detail)s")
                % {"status": response.status_code, "detail": _detail(response)}
            )
        return response

    def me(self) -> dict[str, Any]:
        return self._json(self._call("GET", "/me"))

    def station(self, code: str) -> dict[str, Any]:
        return self._json(self._call("GET", f"/stations/{code}"))

    def playlist(self, code: str, day: date, etag: str | None) -> Fetched:
        headers = {"If-None-Match": etag} if etag else {}
        response = self._call("GET", f"/stations/{code}/playlists/{day}", headers=headers)
        if response.status_code == 304 and etag:
            return Fetched(None, etag)
        if response.status_code == 404:
            raise NotBuilt(_detail(response))
        return Fetched(self._json(response), response.headers.get("ETag", ""))

    def download(self, url: str, sha256: str, target: Path, reserve: int) -> None:
        """Fetch audio to target through a temporary file, kept only if its hash matches."""
        temporary = target.with_name(f".part-{target.name}-{os.getpid()}")
        digest = hashlib.sha256()
        try:
            with self._call("GET", url, stream=True) as response:
                if response.status_code != 200:
                    raise BadDownload(
                        _("The audio %(url)s answered %(status)s.")
                        % {"url": url, "status": response.status_code}
                    )
                size = int(response.headers.get("Content-Length") or 0)
                _check_room(target.parent, size, reserve)
                with temporary.open("wb") as out:
                    for chunk in response.iter_content(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
            if digest.hexdigest() != sha256:
                raise BadDownload(
                    _("The audio %(url)s does not match its sha256: it was damaged on the way.")
                    % {"url": url}
                )
            os.replace(temporary, target)
        except requests.RequestException as exc:
            raise unreachable(self.base, exc) from exc
        except OSError as exc:
            raise DiskFull(
                _("Cannot write %(file)s: %(error)s") % {"file": target.name, "error": exc}
            ) from exc
        finally:
            temporary.unlink(missing_ok=True)

    def confirm(self, code: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        response = self._call("POST", f"/stations/{code}/confirmations", json={"items": entries})
        return list(self._json(response)["items"])

    def heartbeat(self, code: str, report: dict[str, Any]) -> None:
        self._json(self._call("POST", f"/stations/{code}/heartbeat", json=report))

    @staticmethod
    def _json(response: requests.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            raise ServerProblem(
                _("The server answered %(status)s: %(detail)s")
                % {"status": response.status_code, "detail": _detail(response)}
            )
        try:
            return dict(response.json())
        except ValueError as exc:
            raise ServerProblem(_("The server's answer is not JSON.")) from exc


def unreachable(server: str, exc: requests.RequestException) -> Unreachable:
    if isinstance(exc, requests.Timeout):
        reason = _("no answer in time")
    elif isinstance(exc, requests.ConnectionError):
        reason = _("no connection")
    else:
        reason = str(exc)[:200]
    return Unreachable(
        _("Cannot reach the server %(server)s: %(reason)s.") % {"server": server, "reason": reason}
    )


def _detail(response: requests.Response) -> str:
    try:
        return str(response.json().get("detail") or response.reason)
    except ValueError:
        return str(response.reason)


def _check_room(folder: Path, size: int, reserve: int) -> None:
    free = free_bytes(folder)
    if free - size < reserve:
        raise DiskFull(
            _("Not enough disk space: %(free)s MB free, %(need)s MB needed.")
            % {"free": free // 2**20, "need": (size + reserve) // 2**20}
        )


def free_bytes(folder: Path) -> int:
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize
