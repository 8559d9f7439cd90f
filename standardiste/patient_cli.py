"""`standardiste patient export|erase`: a patient's rights of access and erasure from a shell.

The patient is named by phone number and birth date; both acts are written to the
administrative audit log (actor ``cli:<system user>``), which names no patient.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from core import Database, get_settings

if TYPE_CHECKING:
    import staff

_Done = TypeVar("_Done")
patient_app = typer.Typer(no_args_is_help=True, help="A patient's data: export, erasure.")
PhoneOption = Annotated[str, typer.Option("--phone", help="The patient's phone number.")]
BirthOption = Annotated[
    str, typer.Option("--birth-date", help="The patient's birth date, YYYY-MM-DD.")
]


def _identity(phone: str, birth_date: str) -> staff.Identity:
    import staff

    try:
        born = dt.date.fromisoformat(birth_date)
    except ValueError:
        typer.secho("--birth-date: a date as YYYY-MM-DD", fg="red", err=True)
        raise typer.Exit(2) from None
    try:
        return staff.Identity.parse(phone, born)
    except staff.BadIdentityError as exc:
        typer.secho(f"--{exc}", fg="red", err=True)
        raise typer.Exit(2) from None


def _act(act: Callable[..., _Done], who: staff.Identity) -> _Done:
    """One audited act on the patient's data; a patient not found ends the command."""
    import staff

    settings = get_settings()
    db = Database(settings.database_url)
    try:
        return act(db, settings, who, actor=staff.cli_actor())
    except staff.PatientNotFoundError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    finally:
        db.dispose()


@patient_app.command("export")
def patient_export(
    phone: PhoneOption,
    birth_date: BirthOption,
    out: Annotated[
        Path | None, typer.Option(help="Write the JSON here (owner-only file), not to stdout.")
    ] = None,
) -> None:
    """Everything held about a patient, as JSON (right of access)."""
    import staff

    data = _act(staff.export_patient, _identity(phone, birth_date))
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if out is None:
        typer.echo(text)
        return
    out.touch(mode=0o600, exist_ok=True)
    out.chmod(0o600)
    out.write_text(text + "\n", encoding="utf-8")
    typer.echo(f"written: {out}")


@patient_app.command("erase")
def patient_erase(
    phone: PhoneOption,
    birth_date: BirthOption,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a patient from every store, tracker included (right to erasure); audited."""
    import staff

    who = _identity(phone, birth_date)
    if not yes and not typer.confirm("Erase everything held about this patient, for good?"):
        raise typer.Exit(1)
    counts = _act(staff.erase_patient, who)
    typer.echo("erased: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
