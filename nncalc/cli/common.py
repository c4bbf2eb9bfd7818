"""What every command shares: the console, turning nncalc errors into one line and exit code 2,
loading a problem argument, and writing output (atomically when it goes to a file)."""

from __future__ import annotations

import contextlib
import copy
import functools
import gc
import importlib
import io
import os
import sys
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Callable, Iterator, Optional

import typer
from typer.core import TyperCommand, TyperGroup
from rich.console import Console, RenderableType

from ..errors import NncalcError
from ..limits import without_gc
from ..render.escape import SafeConsole, printable

EXIT_BAD_INPUT = 2
FILE_WIDTH = 100              # text written with -o is laid out for this many columns
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141        # 128 + SIGPIPE, what a shell reports for a program killed by it


def format_enum(subject: str) -> type[Enum]:
    """A str Enum of the formats the registry holds for `subject`, for a `--format` option."""
    from ..render.formats import formats

    return Enum(f"{subject.title()}Format", {name: name for name in formats(subject)}, type=str)  # type: ignore[return-value]


def _or(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def make_console(stderr: bool = False) -> Console:
    """The console for output; Rich drops colour when piped or when NO_COLOR is set. With
    NNCALC_ASCII=1 it reports an ASCII terminal, so Rich draws its rules and boxes in ASCII too."""
    if os.environ.get("NNCALC_ASCII"):
        stream = _AsciiStream(sys.stderr if stderr else sys.stdout)
        return SafeConsole(file=stream, highlight=False, soft_wrap=False)  # type: ignore[arg-type]
    return SafeConsole(stderr=stderr, highlight=False, soft_wrap=False)


class _AsciiStream:
    """A text stream as an ASCII terminal: Rich reads `encoding` to choose its box characters."""

    encoding = "ascii"

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def write(self, text: str) -> int:
        return self._stream.write(text)


def unicode_ok(console: Console) -> bool:
    """Whether the terminal can show ∂, η and σ."""
    return console.encoding.lower().replace("-", "").startswith("utf") and not os.environ.get("NNCALC_ASCII")


def tolerant_streams() -> None:
    """On a terminal that cannot show a character (LC_ALL=C, PYTHONIOENCODING=ascii), write it
    escaped (\\u0177) instead of failing: a name from a file may hold any character."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
        if not encoding.startswith("utf") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def error_line(exc: NncalcError) -> str:
    return f"nncalc: error: {printable(str(exc))}"


try:                                  # Typer vendors Click from 0.20 on
    from typer._click.exceptions import ClickException
except ImportError:                   # pragma: no cover
    from click.exceptions import ClickException


class TidyHelp:
    """A command whose `--help` page, piped or captured, has no trailing spaces: Rich pads every
    line of Typer's help panels to the width. On a terminal the page is Typer's as it is."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        if sys.stdout.isatty():
            return super().format_help(ctx, formatter)  # type: ignore[misc]
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            super().format_help(ctx, formatter)  # type: ignore[misc]
        sys.stdout.write(_without_trailing_spaces(buffer.getvalue()))


class TidyCommand(TidyHelp, TyperCommand):
    """A command with a tidy `--help` page (see TidyHelp)."""


class TidyGroup(TidyHelp, TyperGroup):
    """A command group (`nncalc data`, `nncalc plot`) with a tidy `--help` page."""


def tidy_help(typer_app: typer.Typer) -> None:
    """Give every command and group registered on `typer_app` (sub-apps included) a tidy --help."""
    for info in typer_app.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = TidyCommand
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            if not isinstance(group.cls, type) or group.cls is TyperGroup:
                group.cls = TidyGroup          # `app.add_typer(sub, ...)`'s class wins over `Typer(cls=...)`
            tidy_help(group.typer_instance)


class OneLineGroup(TidyHelp, TyperGroup):
    """The `nncalc` command group: Typer's own option errors (a folder for `-o`, `--decimals 10000`,
    an unknown option) are one line on stderr like nncalc's, `nncalc: error: ...`, exit code 2,
    instead of a usage box; its --help page is tidy (TidyHelp)."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        tolerant_streams()
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except ClickException as exc:
            if exc.__class__.__name__ != "NoArgsIsHelpError":       # that one has printed the help
                print(f"nncalc: error: {printable(usage_line(exc))}", file=sys.stderr)
            sys.exit(exc.exit_code)
        except typer.Abort:
            print("nncalc: aborted", file=sys.stderr)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


class LazyTyper(typer.Typer):
    """The app, its command modules imported when needed: Typer builds a Click command from every
    registered function's signature each time it runs, and importing every command's module costs
    as much again. `nncalc CMD ...` imports CMD's module (`commands`: name -> module) and the
    `always` ones, and builds CMD's command alone; anything that reads the app's commands (`nncalc
    -h`, a typo, Typer's CliRunner) first imports every module of `modules`, listed in that order
    (the order of `nncalc -h`). `finish(app)` runs on the commands once imported (examples, help).

    `libraries` (name -> modules) are imported with CMD's module, unless only a help page is asked
    for: there, before Click's call chain, the stack is shallow (Python 3.11 maps a new 16 KiB chunk
    of frame stack, and unmaps it, each time a call crosses the chunk's end: NumPy imported inside a
    command did so ~800 times, several ms). These imports run with the cyclic garbage collector
    paused: they make long-lived objects only, which each collection would walk again."""

    def __init__(self, *args: Any, package: str, modules: tuple[str, ...], commands: dict[str, str],
                 always: tuple[str, ...] = (), libraries: dict[str, tuple[str, ...]] | None = None,
                 finish: Callable[[typer.Typer], None] | None = None, **kwargs: Any) -> None:
        self._package, self._modules, self._commands_at, self._always = package, modules, commands, always
        self._libraries = libraries or {}
        self._finish, self._complete, self._registering = finish, False, False
        super().__init__(*args, **kwargs)

    @property
    def registered_commands(self) -> list:
        self._import_all()
        return self._commands

    @registered_commands.setter
    def registered_commands(self, value: list) -> None:
        self._commands = value

    @property
    def registered_groups(self) -> list:
        self._import_all()
        return self._groups

    @registered_groups.setter
    def registered_groups(self, value: list) -> None:
        self._groups = value

    @contextlib.contextmanager
    def _registration(self) -> Iterator[None]:
        """A module registering its commands reads the lists as they are (no importing the rest)."""
        registering, self._registering = self._registering, True
        try:
            yield
        finally:
            self._registering = registering

    def _registered(self, decorator: Callable) -> Callable:
        def register(fn: Callable) -> Callable:
            with self._registration():
                return decorator(fn)

        return register

    def command(self, *args: Any, **kwargs: Any) -> Callable:
        return self._registered(super().command(*args, **kwargs))

    def callback(self, *args: Any, **kwargs: Any) -> Callable:
        return self._registered(super().callback(*args, **kwargs))

    def add_typer(self, *args: Any, **kwargs: Any) -> None:
        with self._registration():
            super().add_typer(*args, **kwargs)

    def _import(self, modules: tuple[str, ...]) -> None:
        with self._registration():
            for module in modules:
                importlib.import_module(f"{self._package}.{module}")
            if self._finish is not None:
                self._finish(self)

    def _import_all(self) -> None:
        if self._complete or self._registering:
            return
        self._complete = True
        self._import(self._modules)
        order = {f"{self._package}.{m}": i for i, m in enumerate(self._modules)}   # whichever was imported first
        self._commands.sort(key=lambda c: order.get(c.callback.__module__, len(order)))
        self._groups.sort(key=lambda g: order.get(g.typer_instance.registered_commands[0].callback.__module__,
                                                  len(order)))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args or "args" in kwargs:       # called with its arguments (a test, a script): nothing more
            return self._run(*args, **kwargs)
        try:                               # the program itself, reading sys.argv
            return self._run(**kwargs)
        finally:
            # The command has run (or failed); all that is left is the interpreter's exit, whose
            # collections would walk every object made so far once more (about 4% of `nncalc
            # backprop`'s work, benchmarks/README.md). Frozen, they are left to the OS; Python does
            # not promise __del__ at exit either.
            gc.freeze()

    def _run(self, *args: Any, **kwargs: Any) -> Any:
        argv = args[0] if args else kwargs.get("args", sys.argv[1:])
        name = argv[0] if argv else None
        if name not in self._commands_at:
            return super().__call__(*args, **kwargs)
        if not self._complete:
            with without_gc():
                self._import((self._commands_at[name], *self._always))
                if not _HELP_FLAGS & set(argv):
                    for library in self._libraries.get(name, ()):
                        importlib.import_module(library)
        solo = copy.copy(self)
        solo._complete = True
        solo.registered_commands = [c for c in self._commands if _command_name(c) == name]
        solo.registered_groups = [g for g in self._groups if g.name == name]
        return typer.Typer.__call__(solo, *args, **kwargs)


_HELP_FLAGS = {"-h", "--help"}


def _command_name(info: Any) -> str | None:
    """A registered command's name on the command line (Typer's: the function's, '_' as '-')."""
    if info.name:
        return info.name
    return info.callback.__name__.lower().replace("_", "-") if info.callback else None


def usage_line(exc: ClickException) -> str:
    """A Click usage error as one line: the command, what was wrong, where to look."""
    message = " ".join(exc.format_message().split()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return message
    return f"{ctx.command_path}: {message} (see `{ctx.command_path} -h`)"


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command; an NncalcError becomes one line on stderr and exit code 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings():
                # NumPy's overflow warnings never reach the user: every value shown is checked to be
                # finite (a worked example's by name, the trainer's loss and weights) and refused if not
                warnings.simplefilter("ignore", RuntimeWarning)
                return fn(*args, **kwargs)
        except NncalcError as exc:
            print(error_line(exc), file=sys.stderr)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except BrokenPipeError:       # `nncalc ... | head`: the reader left; end quietly, as Unix tools do
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(EXIT_BROKEN_PIPE) from None
        except KeyboardInterrupt:
            print("nncalc: interrupted", file=sys.stderr)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except MemoryError:
            print("nncalc: error: out of memory (the problem or data is too large for this machine)",
                  file=sys.stderr)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except Exception as exc:  # a bug: say so plainly, keep the traceback for NNCALC_DEBUG
            if os.environ.get("NNCALC_DEBUG"):
                raise
            print(f"nncalc: internal error: {type(exc).__name__}: {printable(str(exc))} "
                  "(please report it; set NNCALC_DEBUG=1 for the traceback)", file=sys.stderr)
            raise typer.Exit(3) from None

    return wrapper


def load(problem: Optional[str], sets: Optional[list[str]] = None):
    """A problem argument (path or bundled name; none: the default) with `--set` overrides applied."""
    from ..api import open_problem

    return open_problem(problem, sets)


PNG_TO_TERMINAL = "a PNG is a binary file: write it with -o FILE.png"


def emit(console: Console, content: RenderableType | str | bytes, output: Optional[Path] = None) -> None:
    """Print to the console, or write plain text to `output` atomically. Rich pads table rows
    to their width: piped or written, those trailing spaces are dropped. Bytes (a PNG) go to a
    file only."""
    if isinstance(content, bytes):
        from ..errors import UsageError
        from ..fileio import atomic_open

        if output is None:
            raise UsageError(PNG_TO_TERMINAL)
        with atomic_open(output, "wb") as handle:
            handle.write(content)
        return
    if output is None:
        if isinstance(content, str):
            content = printable(content, newlines=True)
            console.file.write(content if content.endswith("\n") else content + "\n")
        elif console.is_terminal:
            console.print(content)
        else:
            with console.capture() as captured:
                console.print(content)
            console.file.write(_without_trailing_spaces(captured.get()))
        return
    from ..fileio import write_text_atomic

    if not isinstance(content, str):
        buffer = io.StringIO()
        SafeConsole(file=buffer, width=FILE_WIDTH, no_color=True, highlight=False).print(content)
        content = _without_trailing_spaces(buffer.getvalue())
    content = printable(content, newlines=True)
    write_text_atomic(output, content if content.endswith("\n") else content + "\n")


def _without_trailing_spaces(text: str) -> str:
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def emit_as(console: Console, subject: str, fmt: Enum | str, obj: Any, output: Optional[Path] = None, *,
            decimals: int = 9, explain: bool = False) -> None:
    """Render `obj` through the format registry and print it (or write it to `output`): on the
    terminal at its width and with the symbols it can show, in a file at FILE_WIDTH in Unicode."""
    from ..render.formats import Style, render

    unicode = unicode_ok(console) if output is None else True
    width = console.width if output is None else FILE_WIDTH
    name = fmt.value if isinstance(fmt, Enum) else fmt
    emit(console, render(subject, name, obj, Style(decimals, explain, unicode, width)), output)


PROBLEM_HELP = "A problem file, or the name of a bundled problem (see `nncalc problems`); default: nnbasic."
SET_HELP = "Override a weight, bias, input or the learning rate for this run, e.g. --set w5=0.3 (repeatable)."
DECIMALS_HELP = "Decimals shown (JSON always carries full float64)."
OUTPUT_HELP = "Write to this file (atomically) instead of the terminal."

# ---------------------------------------------------------------- the options every command shares
# A command writes `decimals: Decimals = 9`; each option is declared here once.

ProblemArg = Annotated[Optional[str], typer.Argument(help=PROBLEM_HELP, show_default=False)]
Sets = Annotated[Optional[list[str]], typer.Option("--set", help=SET_HELP, metavar="NAME=VALUE")]
Decimals = Annotated[int, typer.Option("--decimals", "-d", min=0, max=17, help=DECIMALS_HELP)]
Output = Annotated[Optional[Path], typer.Option("--output", "-o", help=OUTPUT_HELP, dir_okay=False)]


def format_option(subject: str) -> Any:
    """The `--format` option of a command rendering `subject`: one choice per registered format."""
    choices = format_enum(subject)
    names = [c.value for c in choices]
    return Annotated[choices, typer.Option("--format", "-f", help=f"{_or(names)}.")]


TraceFormat = format_option("trace")       # forward, backprop and grad's (each command module holds its others)
