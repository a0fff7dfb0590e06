"""`radio library …` and `radio tts`: the library from the command line."""

import shutil
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from audio_library import library
from audio_library.ffmpeg import AudioError, render_house
from audio_library.ffmpeg import analyse as analyse_audio
from audio_library.library import DuplicateAudio, LibraryError, Metadata, Origin
from audio_library.segments import Level, Source, Topic
from audio_library.tts.synthesis import TTSError, spoken_form, synthesize
from radio import audio
from radio.db import get_session
from radio.messages import LIBRARY
from radio.views.library import audio_error_text
from radio.views.tts import tts_error_text

library_cli = AppGroup("library", help="The audio library.")


@library_cli.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--topic", required=True, help="Topic code, e.g. phong-chong-ma-tuy.")
@click.option("--title", help="Title (default: the file name).")
@click.option("--level", type=click.Choice([lv.value for lv in Level]), default="normal")
@click.option("--language", default="vi")
@click.option("--approve", is_flag=True, help="Approve at once (the command line is trusted).")
def import_files(
    files: tuple[Path, ...], topic: str, title: str | None, level: str, language: str, approve: bool
) -> None:
    """Add audio files through the same pipeline as the web upload."""
    session = get_session()
    found = session.scalar(select(Topic).where(Topic.code == topic))
    if found is None:
        codes = ", ".join(session.scalars(select(Topic.code).order_by(Topic.code)))
        raise click.ClickException(
            _("Unknown topic %(topic)s. Known: %(codes)s", topic=topic, codes=codes)
        )
    failed = 0
    for path in files:
        meta = Metadata(
            title=title or path.stem.replace("_", " "),
            topic_id=found.id,
            level=Level(level),
            language=language,
        )
        origin = Origin(source=Source.UPLOAD, author_id=None, unit_id=None, original_name=path.name)
        try:
            segment = library.ingest(
                session,
                audio.store(),
                path,
                meta,
                origin,
                house=audio.house_format(),
                max_duration=audio.max_duration(),
            )
            if approve:
                library.approve(session, segment, None)
        except (AudioError, LibraryError, DuplicateAudio) as exc:
            session.rollback()
            failed += 1
            click.echo(f"✗ {path.name}: {_refusal(exc)}", err=True)
            continue
        session.commit()
        click.echo(
            f"✓ {path.name} → #{segment.id} {segment.title} ({segment.duration:.1f} s, "
            f"{segment.state})"
        )
    if failed:
        raise click.ClickException(_("%(n)d file(s) were not imported.", n=failed))


def _refusal(error: Exception) -> str:
    if isinstance(error, AudioError):
        return audio_error_text(error)
    if isinstance(error, DuplicateAudio):
        return _(
            "already in the library as #%(id)d %(title)s",
            id=error.existing.id,
            title=error.existing.title,
        )
    return str(LIBRARY[error.kind]) if isinstance(error, LibraryError) else str(error)


@click.command("tts")
@click.argument("text")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--engine", type=click.Choice(["gtts", "espeak"]), help="Default: RADIO_TTS_ENGINES.")
@click.option("--voice", type=click.Choice(["north", "central", "south"]), default="north")
@click.option("--speed", type=click.FloatRange(0.5, 2.0), default=1.0)
@click.option("--normalize-only", is_flag=True, help="Print the spoken form and stop.")
@with_appcontext
def tts_command(
    text: str,
    output: Path | None,
    engine: str | None,
    voice: str,
    speed: float,
    normalize_only: bool,
) -> None:
    """Speak TEXT into an audio file (MP3, or WAV when FILE ends in .wav)."""
    try:
        if normalize_only:
            click.echo(spoken_form(text))
            return
        if output is None:
            raise click.UsageError(_("Give the output file with -o FILE."))
        result = synthesize(
            text, audio.engines(engine), audio.tts_cache_dir(), voice=voice, speed=speed
        )
    except TTSError as exc:
        raise click.ClickException(tts_error_text(exc)) from exc
    for failed_engine, kind in result.fell_back:
        click.echo(
            _(
                "%(engine)s could not be used (%(kind)s); using %(next)s.",
                engine=failed_engine,
                kind=kind,
                next=result.engine,
            ),
            err=True,
        )
    if output.suffix.lower() == ".wav":
        shutil.copyfile(result.path, output)
    else:
        render_house(result.path, output, analyse_audio(result.path), audio.house_format())
    click.echo(f"{output} ({result.engine}, {voice})")
