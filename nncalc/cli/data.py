"""`nncalc data fetch | list | path`: the download cache. Heavy imports happen inside the commands."""

from __future__ import annotations

from typing import Optional

import typer

from rich.text import Text

from . import app
from .common import Output, emit, emit_as, format_option, handle_errors, make_console

data_app = typer.Typer(
    help="Data sets: download MNIST or Fashion-MNIST once into the cache, see what is cached and where.",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")

def _say(console, line: str) -> None:
    """One plain line: no markup, no highlighting, never wrapped (paths and URLs stay whole)."""
    console.print(line, markup=False, highlight=False, soft_wrap=True)


NameArg = typer.Argument(..., help="The data set: mnist or fashion-mnist.", show_default=False)


class _Reporter:
    """Turns fetch's progress and log callbacks into a Rich progress bar (terminal) or plain lines."""

    def __init__(self, console) -> None:
        self.console = console
        self.bar = None
        self.tasks: dict[str, int] = {}
        if console.is_terminal:
            from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                                       TransferSpeedColumn)

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                TransferSpeedColumn(), TimeRemainingColumn(), console=console, transient=True)

    def __enter__(self) -> "_Reporter":
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()

    def progress(self, name: str, done: int, total: Optional[int]) -> None:
        if self.bar is None:
            if done == 0:
                size = f" ({total:,} bytes)" if total else ""
                _say(self.console, f"{name}: downloading{size}")
            return
        if done == 0 or name not in self.tasks:  # a new file, or the next mirror starting over
            if name in self.tasks:
                self.bar.remove_task(self.tasks[name])
            self.tasks[name] = self.bar.add_task(name, total=total)
        self.bar.update(self.tasks[name], completed=done, total=total)

    def log(self, line: str) -> None:
        _say(self.console, line)


@data_app.command("fetch")
@handle_errors
def fetch_command(
    name: str = NameArg,
    mirror: Optional[list[str]] = typer.Option(
        None, "--mirror", metavar="URL",
        help="Download from this base URL instead of the built-in mirrors (repeatable; tried in order)."),
    timeout: float = typer.Option(30.0, "--timeout", min=1.0,
                                  help="Seconds a mirror may stall before the next one is tried."),
) -> None:
    """Download a data set's four IDX files into the cache, checking each file's SHA-256."""
    from ..api import data_home, data_set, fetch_data

    console = make_console()
    remote = data_set(name)
    home, origin = data_home()
    _say(console, f"{remote.title} -> {home / name} ({origin})")
    with _Reporter(console) as reporter:
        folder = fetch_data(name, mirrors=mirror or None, timeout=timeout, progress=reporter.progress,
                            log=reporter.log)
    _say(console, f"{name}: {len(remote.files)} files in {folder}, all verified; use them as "
                  f"`data: {{train: {name}:train, test: {name}:test}}`")


DataFormat = format_option("data")


@data_app.command("list")
@handle_errors
def list_command(
    verify: bool = typer.Option(False, "--verify", help="Also check each cached file's SHA-256 (reads every file)."),
    fmt: DataFormat = "table",
    output: Output = None,
) -> None:
    """The data sources nncalc knows, and what the download cache holds."""
    from ..api import data_listing

    listing = data_listing(verify)
    console = make_console()
    if fmt.value == "table" and output is None:       # the cache's path on one line, however long
        from ..render.catalogue import data_body, data_header

        _say(console, data_header(listing))
        emit(console, data_body(listing))
        return
    emit_as(console, "data", fmt, listing, output)


@data_app.command("path")
@handle_errors
def path_command(
    name: Optional[str] = typer.Argument(None, help="A data set (mnist, fashion-mnist); none: the cache folder."),
) -> None:
    """Print the cache folder, or a data set's folder in it (for scripts)."""
    from ..api import data_home, data_set

    home, _ = data_home()
    typer.echo(str(home / data_set(name).name) if name else str(home))
