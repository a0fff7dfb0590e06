"""What the forms of the schedule pages share: refusals next to their field, unit options."""

from collections.abc import Iterable

from wtforms import FieldList, SelectChoice

from radio.forms import Form
from radio.schedule_messages import describe_error
from scheduler.errors import ScheduleError
from scheduler.units import Unit


def show_error(form: Form, error: ScheduleError, fields: dict[str, str]) -> None:
    """Put a domain refusal next to the field it is about, or above the form.

    `fields` maps each kind of refusal to its field; a list of rows (a FieldList) shows
    its refusal under the whole section, in `form.section_errors`.
    """
    text = describe_error(error)
    name = fields.get(error.kind)
    if name is not None and name in form and isinstance(form[name], FieldList):
        form.section_errors = {name: [text]}  # type: ignore[attr-defined]
    elif name is not None and name in form:
        form[name].errors = [*form[name].errors, text]
    else:
        form.form_errors.append(text)


def unit_choices(units: Iterable[Unit]) -> list[SelectChoice]:
    """Units as options indented by depth, parents before children (order by path)."""
    units = list(units)
    top = min((u.depth for u in units), default=0)
    return [SelectChoice(u.id, "· " * (u.depth - top) + u.name) for u in units]
