"""Forms of the audio library pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    FloatField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from audio_library.library import MAX_TITLE, Metadata
from audio_library.segments import Level
from audio_library.tts.synthesis import MAX_TEXT
from radio.forms import Form
from radio.messages import LANGUAGE_LABELS, LEVEL_LABELS, VOICE_LABELS


class SegmentForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    topic_id = SelectField(_l("Topic"), coerce=int, validators=[DataRequired()])
    level = SelectField(
        _l("Bulletin level"), choices=[SelectChoice(k.value, v) for k, v in LEVEL_LABELS.items()]
    )
    language = SelectField(
        _l("Language"), choices=[SelectChoice(k, v) for k, v in LANGUAGE_LABELS.items()]
    )
    campaign_ids = SelectMultipleField(_l("Campaigns"), coerce=int, validators=[Optional()])
    air_from = DateField(_l("Air from"), validators=[Optional()])
    air_until = DateField(_l("Air until"), validators=[Optional()])

    def metadata(self, text: str = "") -> Metadata:
        return Metadata(
            title=self.title.data or "",
            topic_id=self.topic_id.data or 0,
            level=Level(self.level.data),
            language=self.language.data or "vi",
            air_from=self.air_from.data,
            air_until=self.air_until.data,
            text=text,
        )


class UploadForm(SegmentForm):
    file = FileField(_l("Audio file"), validators=[FileRequired(_l("Choose an audio file."))])
    source = HiddenField(default="upload")


class EditForm(SegmentForm):
    text = TextAreaField(_l("Text"), validators=[Length(max=MAX_TEXT)])


class TTSForm(SegmentForm):
    text = TextAreaField(_l("Announcement text"), validators=[DataRequired()])
    voice = SelectField(_l("Voice"), choices=[SelectChoice(k, v) for k, v in VOICE_LABELS.items()])
    speed = FloatField(_l("Speed"), default=1.0, validators=[NumberRange(0.5, 2.0)])
    engine = SelectField(
        _l("Engine"),
        choices=[
            SelectChoice("", _l("Automatic (as configured)")),
            SelectChoice("gtts", "Google (gTTS)"),
            SelectChoice("espeak", _l("eSpeak NG (offline)")),
        ],
    )


class RejectForm(Form):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class LexiconForm(Form):
    written = StringField(_l("Written"), validators=[DataRequired(), Length(max=100)])
    spoken = StringField(_l("Spoken as"), validators=[DataRequired(), Length(max=300)])


class TopicForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
