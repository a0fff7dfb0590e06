"""A recording stand-in for the loudspeakers, run by the agent as its player command.

    python tests/fake_player.py LOG FILE SECONDS [--scale S] [--fail SHA[,SHA]]

Appends one JSON line to LOG per item: the file's sha256, how long it "played" and how
it ended (played, failed, interrupted). It sleeps SECONDS × scale, exits 1 for a file
whose sha256 is listed in --fail (an unreadable file, a dead sound card) and notes an
interruption when the agent ends it with SIGTERM.
"""

import argparse
import hashlib
import json
import signal
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("log", type=Path)
    parser.add_argument("source")
    parser.add_argument("seconds", type=float)
    parser.add_argument("--scale", type=float, default=0.0)
    parser.add_argument("--fail", default="")
    args = parser.parse_args()
    path = Path(args.source)
    sha = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    entry = {"source": args.source, "sha256": sha, "seconds": args.seconds, "at": time.time()}

    def note(outcome: str) -> None:
        with args.log.open("a") as log:
            log.write(json.dumps({**entry, "outcome": outcome, "until": time.time()}) + "\n")

    def interrupted(*_args: object) -> None:
        note("interrupted")
        sys.exit(143)

    signal.signal(signal.SIGTERM, interrupted)
    if sha and sha in args.fail.split(","):
        note("failed")
        print("cannot open the sound card", file=sys.stderr)
        return 1
    time.sleep(args.seconds * args.scale)
    note("played")
    return 0


if __name__ == "__main__":
    sys.exit(main())
