"""Accuracy of our Vietnamese text normaliser against vinorm and vietnormalizer.

Each normaliser reads every input of the hand-checked table tests/data/normalizer_cases.tsv.
Scores: exact matches and the mean word error rate against the expected spoken form. The
other two lower-case everything and drop or move punctuation, so those scores fold case and
punctuation away; ours is also given strictly. vinorm and vietnormalizer are no dependencies
of the project: install them in a throwaway environment to measure; a missing one is
reported as not installed.
"""

import json
import platform
import re
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from audio_library.tts.normalize import normalize
from bench.common import RESULTS

NAME = "normalizer_accuracy"
TABLE = Path(__file__).parent.parent / "tests" / "data" / "normalizer_cases.tsv"
Normaliser = Callable[[str], str]


def load_cases() -> list[tuple[str, str]]:
    """Return (input, expected) pairs; a literal \\n in an input is a line break."""
    lines = TABLE.read_text(encoding="utf-8").splitlines()[1:]
    return [(w.replace("\\n", "\n"), e) for w, e in (line.split("\t") for line in lines)]


def folded_words(text: str) -> list[str]:
    """Words in lower case without punctuation: what a listener hears."""
    text = unicodedata.normalize("NFC", text).lower()
    return re.sub(r"[^\w\s]|_", " ", text).split()


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    """Levenshtein distance between two word lists."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, start=1):
        current = [i]
        for j, hyp in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def score(normaliser: Normaliser, cases: list[tuple[str, str]]) -> dict[str, Any]:
    """Exact matches (strict and folded), mean word error rate, failures and time."""
    strict = folded = failures = 0
    rates = []
    start = time.perf_counter()
    for written, expected in cases:
        try:
            spoken = normaliser(written)
        except Exception:  # a crash on one row is scored as that row all wrong
            spoken, failures = "", failures + 1
        reference, hypothesis = folded_words(expected), folded_words(spoken)
        strict += spoken.strip() == expected
        folded += reference == hypothesis
        rates.append(word_errors(reference, hypothesis) / max(1, len(reference)))
    return {
        "installed": True,
        "cases": len(cases),
        "exact_strict": strict / len(cases),
        "exact_folded": folded / len(cases),
        "mean_wer": sum(rates) / len(rates),
        "failures": failures,
        "seconds": time.perf_counter() - start,
    }


def competitors() -> dict[str, Normaliser | None]:
    """The normalisers to compare; None where the package cannot be imported."""
    found: dict[str, Normaliser | None] = {"ours": normalize}
    try:
        from vinorm import TTSnorm  # type: ignore[import-not-found]

        found["vinorm"] = TTSnorm
    except Exception:  # not installed, or its module cannot load on this Python
        found["vinorm"] = None
    try:
        from vietnormalizer import VietnameseNormalizer  # type: ignore[import-not-found]

        found["vietnormalizer"] = VietnameseNormalizer().normalize
    except Exception:
        found["vietnormalizer"] = None
    return found


def main() -> None:
    cases = load_cases()
    results: dict[str, dict[str, Any]] = {}
    for name, normaliser in competitors().items():
        if normaliser is None:
            print(f"{NAME}: {name} not installed")
            results[name] = {"installed": False}
            continue
        results[name] = figures = score(normaliser, cases)
        print(
            f"{NAME}: {name}: exact {figures['exact_strict']:.1%} strict, "
            f"{figures['exact_folded']:.1%} folded; mean WER {figures['mean_wer']:.2%}; "
            f"{figures['failures']} failures; {figures['seconds']:.2f} s for {len(cases)} rows"
        )
    RESULTS.mkdir(exist_ok=True)
    record = {
        "benchmark": NAME,
        "when": datetime.now(UTC).isoformat(),
        "python": platform.python_version(),
        "table": str(TABLE.relative_to(TABLE.parent.parent.parent)),
        "results": results,
    }
    (RESULTS / f"{NAME}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
