"""``edigw translate``, ``edigw render`` and ``edigw schema``: the translators on the command line, for
looking at a partner's file, producing one from canonical JSON, and publishing the canonical schema."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from translators.errors import TranslatorError

ERROR_EXIT = 1


def _error_line(error: TranslatorError) -> str:
    code = f" [{error.level} code {error.code}]" if error.code else ""
    return f"error: {error.message} at {error.location}{code}"


def _interchange_json(interchange: Any) -> dict[str, Any]:
    return {
        "syntax": interchange.syntax,
        "sender": {"qualifier": interchange.sender_qualifier, "id": interchange.sender_id},
        "receiver": {"qualifier": interchange.receiver_qualifier, "id": interchange.receiver_id},
        "control_ref": interchange.control_ref,
        "version": interchange.version,
        "test": interchange.test,
        "groups": [
            {
                "functional_id": g.functional_id,
                "control_ref": g.control_ref,
                "version": g.version,
                "messages": [
                    {
                        "type": m.message_type,
                        "control_ref": m.control_ref,
                        "supported": m.supported,
                        "accepted": m.accepted,
                    }
                    for m in g.messages
                ],
            }
            for g in interchange.groups
        ],
    }


def translate(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="X12 or EDIFACT interchange file.")
    ],
    ack_control: Annotated[
        int, typer.Option(help="Control number for the acknowledgement we would send.")
    ] = 1,
    ack: Annotated[str, typer.Option(help="auto, 997, 999 or none.")] = "auto",
) -> None:
    """Translate FILE: print its canonical documents and the acknowledgement we would send (JSON)."""
    from translators.api import translate_inbound
    from translators.options import InboundOptions

    options = InboundOptions(
        now=dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None),
        ack_interchange_control_number=ack_control,
        ack_group_control_number=ack_control,
        ack_kind=ack,  # type: ignore[arg-type]
    )
    try:
        result = translate_inbound(file.read_bytes(), options)
    except TranslatorError as exc:
        typer.echo(_error_line(exc), err=True)
        raise typer.Exit(ERROR_EXIT) from exc
    output = {
        "interchanges": [_interchange_json(i) for i in result.interchanges],
        "documents": [d.model_dump(mode="json") for d in result.documents],
        "acknowledgements": [
            {
                "kind": a.kind,
                "functional_ack": a.functional_ack.model_dump(mode="json") if a.functional_ack else None,
                "edi": a.data.decode("utf-8", errors="replace"),
            }
            for a in result.acks
        ],
    }
    typer.echo(json.dumps(output, indent=2))
    for error in result.all_errors():
        typer.echo(_error_line(error), err=True)
    if not result.ok:
        raise typer.Exit(ERROR_EXIT)


def render(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Canonical document (JSON).")],
    to: Annotated[Literal["x12", "edifact"], typer.Option("--to", help="Target syntax.")] = "x12",
    version: Annotated[str | None, typer.Option(help="e.g. 004010, 005010, D96A.")] = None,
    directory: Annotated[
        str | None, typer.Option(help="EDIFACT directory (D93A, D96A, D01B...); same as --version.")
    ] = None,
    sender: Annotated[str, typer.Option(help="Our interchange id.")] = "SENDER",
    receiver: Annotated[str, typer.Option(help="The partner's interchange id.")] = "RECEIVER",
    sender_qualifier: Annotated[str, typer.Option(help="ISA05 / UNB qualifier.")] = "ZZ",
    receiver_qualifier: Annotated[str, typer.Option(help="ISA07 / UNB qualifier.")] = "ZZ",
    control: Annotated[int, typer.Option(help="Interchange and group control number.")] = 1,
    test: Annotated[bool, typer.Option(help="Mark the interchange as a test.")] = False,
    charset: Annotated[
        str | None, typer.Option(help="EDIFACT syntax identifier, UNOA to UNOY (default UNOC).")
    ] = None,
    syntax_version: Annotated[
        str | None, typer.Option(help="EDIFACT syntax version 2, 3 or 4 (default 4 for UNOW/UNOX/UNOY).")
    ] = None,
) -> None:
    """Render a canonical JSON document FILE as an interchange (printed to stdout)."""
    from pydantic import ValidationError

    from translators.api import render_outbound
    from translators.canonical import parse_document
    from translators.options import OutboundOptions

    try:
        document = parse_document(file.read_bytes())
    except ValidationError as exc:
        typer.echo(f"error: {file} is not a canonical document: {exc}", err=True)
        raise typer.Exit(ERROR_EXIT) from exc
    options = OutboundOptions(
        syntax=to,
        sender_id=sender,
        receiver_id=receiver,
        sender_qualifier=sender_qualifier,
        receiver_qualifier=receiver_qualifier,
        interchange_control_number=control,
        group_control_number=control,
        now=dt.datetime.now(dt.UTC).replace(second=0, microsecond=0, tzinfo=None),
        version=directory if to == "edifact" and directory else version,
        test=test,
        character_set=charset,
        syntax_version=syntax_version,
    )
    try:
        data = render_outbound(document, options)
    except TranslatorError as exc:
        typer.echo(_error_line(exc), err=True)
        raise typer.Exit(ERROR_EXIT) from exc
    typer.echo(data, nl=False)


def schema() -> None:
    """Print the JSON Schema of the canonical documents (the contract with ERPs)."""
    from translators.canonical import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


def register(app: typer.Typer) -> None:
    """Add the document commands to the ``edigw`` application."""
    app.command("translate")(translate)
    app.command("render")(render)
    app.command("schema")(schema)
