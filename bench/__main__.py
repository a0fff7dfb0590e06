"""Run every benchmark: `make bench` (or `python -m bench`)."""

from bench import (
    compliance_report,
    confirmations_http,
    normalizer_accuracy,
    playlist_build,
    playlist_http,
    premix,
    tts,
    unit_import,
    upload_processing,
)

for benchmark in (
    unit_import,
    normalizer_accuracy,
    tts,
    upload_processing,
    playlist_build,
    premix,
    playlist_http,
    confirmations_http,
    compliance_report,
):
    benchmark.main()
