"""The unit tree: browse, add, rename and import from CSV."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from audio_library.db import nfc
from radio.audit_trail import common_unit, log_change
from radio.db import get_session
from radio.forms import Form
from radio.messages import TIER_LABELS, describe_problem
from radio.policy import Permission, can, require, unit_or_403
from scheduler.unit_import import UnitImportError, import_units
from scheduler.units import Station, Tier, Unit, ancestors, set_parent

bp = Blueprint("units", __name__, url_prefix="/units")


class UnitForm(Form):
    code = StringField(_l("Official code"), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    tier = SelectField(
        _l("Tier"), choices=[SelectChoice(t.value, label) for t, label in TIER_LABELS.items()]
    )


class RenameForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class ImportForm(Form):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a file."))])


@bp.get("")
@login_required
def index() -> Response | str:
    require(Permission.VIEW_UNITS)
    if current_user.unit is not None:
        return redirect(url_for("units.show", unit_id=current_user.unit.id))
    roots = get_session().scalars(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.code))
    return render_template("units/roots.html", roots=roots.all(), import_form=ImportForm())


@bp.get("/<int:unit_id>")
@login_required
def show(unit_id: int) -> str:
    unit = unit_or_403(unit_id)
    session = get_session()
    child_counts = {
        parent_id: count
        for parent_id, count in session.execute(
            select(Unit.parent_id, func.count())
            .where(Unit.parent_id.in_([c.id for c in unit.children]))
            .group_by(Unit.parent_id)
        )
    }
    visible_trail = [
        u for u in ancestors(session, unit) if can(current_user, Permission.VIEW_UNITS, u)
    ]
    station_count = session.scalar(
        select(func.count())
        .select_from(Station)
        .join(Station.unit)
        .where(Unit.path.startswith(unit.path, autoescape=True))
    )
    return render_template(
        "units/show.html",
        unit=unit,
        trail=visible_trail,
        child_counts=child_counts,
        station_count=station_count,
        form=UnitForm(tier=Tier.COMMUNE.value),
        rename_form=RenameForm(obj=unit),
        import_form=ImportForm(),
        can_manage=can(current_user, Permission.MANAGE_UNITS, unit),
    )


@bp.post("/<int:unit_id>/children")
@login_required
def add_child(unit_id: int) -> Response | str:
    parent = unit_or_403(unit_id, Permission.MANAGE_UNITS)
    form = UnitForm()
    if form.validate():
        session = get_session()
        code = nfc(form.code.data or "").strip()
        taken = session.scalar(select(Unit).where(Unit.tree == parent.tree, Unit.code == code))
        if taken is None:
            unit = Unit(
                code=code,
                name=nfc(form.name.data or "").strip(),
                tier=form.tier.data,
                tree=parent.tree,
            )
            session.add(unit)
            session.flush()
            set_parent(unit, parent)
            log_change("unit.created", unit.id, unit.name, unit_id=unit.id)
            session.commit()
            flash(_("Unit %(name)s has been added.", name=unit.name), "success")
            return redirect(url_for("units.show", unit_id=parent.id))
        form.code.errors = [_("Code %(code)s is already used in this tree.", code=code)]
    flash(_("The unit was not added: %(errors)s", errors=_form_errors(form)), "error")
    return redirect(url_for("units.show", unit_id=parent.id))


@bp.post("/<int:unit_id>/edit")
@login_required
def rename(unit_id: int) -> Response:
    unit = unit_or_403(unit_id, Permission.MANAGE_UNITS)
    form = RenameForm()
    name = nfc(form.name.data or "").strip()
    if form.validate() and name:
        log_change("unit.renamed", unit.id, f"{unit.name} → {name}", unit_id=unit.id)
        unit.name = name
        get_session().commit()
        flash(_("The unit has been renamed."), "success")
    else:
        flash(_("Enter a name of at most 200 characters."), "error")
    return redirect(url_for("units.show", unit_id=unit.id))


@bp.post("/import")
@login_required
def import_csv() -> Response | tuple[str, int]:
    require(Permission.MANAGE_UNITS)
    form = ImportForm()
    back = url_for("units.index")
    if not form.validate():
        flash(_form_errors(form), "error")
        return redirect(back)
    session = get_session()
    try:
        result = import_units(session, form.file.data.read())
    except UnitImportError as exc:
        session.rollback()
        problems = [describe_problem(p) for p in exc.problems]
        return render_template("units/import_failed.html", problems=problems, back=back), 422
    outside = [u for u in result.units if not can(current_user, Permission.MANAGE_UNITS, u)]
    if outside:
        session.rollback()
        abort(403)
    unit_id = common_unit(result.units)
    top = session.get(Unit, unit_id) if unit_id else None
    counts = {"created": result.created, "updated": result.updated}
    log_change("units.imported", unit_id, top.name if top else "", unit_id=unit_id, details=counts)
    session.commit()
    flash(
        _(
            "Import done: %(created)d added, %(updated)d changed, %(unchanged)d unchanged.",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(back)


def _form_errors(form: Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)
