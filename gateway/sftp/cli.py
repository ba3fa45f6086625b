"""``edigw sftp-server`` and ``edigw sftp ...``: run the SFTP process, show our host key, and manage
the client keys (or passwords) we use on partners' servers."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from gateway.config import get_settings
from gateway.observability import configure_logging

sftp_app = typer.Typer(
    help="SFTP: our host key, client credentials for partners' servers.", no_args_is_help=True
)


def sftp_server(
    listen: Annotated[
        bool | None,
        typer.Option("--listen/--no-listen", help="Run the embedded server (default EDIGW_SFTP_ENABLED)."),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 0 if an sftp-server using this data dir is alive, else 1.")
    ] = False,
    max_age: Annotated[
        float, typer.Option(help="With --check: seconds since the watcher's last loop.")
    ] = 30.0,
) -> None:
    """Run the embedded SFTP server and the inbox watcher (until SIGTERM)."""
    from gateway.sftp.runner import run_sftp
    from gateway.sftp.watcher import heartbeat_age

    settings = get_settings()
    if check:
        age = heartbeat_age(settings)
        typer.echo("no heartbeat" if age is None else f"last loop {age:.1f}s ago")
        raise typer.Exit(0 if age is not None and age <= max_age else 1)
    configure_logging(settings.log_level, settings.log_format)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        run_sftp(settings, stop, settings.sftp_enabled if listen is None else listen)
    except OSError as exc:
        where = f"{settings.sftp_host}:{settings.sftp_port}"
        typer.echo(
            f"error: cannot listen on {where} ({exc}); set EDIGW_SFTP_PORT or EDIGW_SFTP_ENABLED", err=True
        )
        raise typer.Exit(1) from exc


@sftp_app.command("host-key")
def host_key() -> None:
    """Print the embedded server's public host key (for partners' known_hosts) and its fingerprint."""
    from gateway.sftp.ssh import fingerprint_of, load_host_key, public_line

    key = load_host_key(get_settings())
    typer.echo(public_line(key))
    typer.echo(fingerprint_of(key))


@sftp_app.command("client-key")
def client_key(
    ref: Annotated[str, typer.Argument(help="The profile's client_key_ref.")],
    import_file: Annotated[
        Path | None, typer.Option("--import", help="Store this unencrypted private key instead.")
    ] = None,
) -> None:
    """Create (or import) our key for a partner's server; prints the public key to send them."""
    from gateway.sftp.credentials import generate_client_key, import_client_key

    settings = get_settings()
    if import_file is None:
        typer.echo(generate_client_key(settings, ref))
    else:
        typer.echo(import_client_key(settings, ref, import_file.read_bytes()))


@sftp_app.command("password")
def password(
    ref: Annotated[str, typer.Argument(help="The profile's password_secret_ref.")],
    from_file: Annotated[
        Path | None,
        typer.Option("--file", help="Read the password from this file (trailing newline dropped)."),
    ] = None,
) -> None:
    """Store a password for a partner's server (prompted, or read from a file), sealed at rest."""
    from gateway.sftp.credentials import store_secret

    if from_file is not None:
        secret = from_file.read_text(encoding="utf-8").rstrip("\r\n")
    else:
        secret = typer.prompt("password", hide_input=True)
    store_secret(get_settings(), ref, secret.encode("utf-8"))
    typer.echo(f"stored {ref}")
