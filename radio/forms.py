"""The base of every web form: CSRF from Flask-WTF, messages from our own catalog.

WTForms ships no Vietnamese, so its built-in messages ("This field is required.") are
extracted into our catalog (see `make messages`) and translated there.
"""

from typing import Any

from flask_babel import get_translations
from flask_wtf import FlaskForm


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> Any:
            return get_translations()
