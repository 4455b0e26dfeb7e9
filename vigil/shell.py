"""Run the Typer app the way an operator meets it: mistakes in a few lines, bugs on request.

An operator error (`vigil.errors.OperatorError`: a bad lexicon, bank, seeds file, export or
results folder) and an unreadable file print what to fix, at most a handful of lines, and exit 2.
Anything else is a fault of vigil's: one line saying so, the traceback only with `--debug` (or
VIGIL_DEBUG=1), because a wall of stack frames hides the one line that matters to an operator.
"""

from __future__ import annotations

import os
import sys

import typer

from vigil.errors import OperatorError

EXIT_OPERATOR_ERROR = 2
EXIT_INTERNAL_ERROR = 1


def run_app(app, *, debug_env: str, argv: list[str] | None = None) -> int:
    """Run `app` on argv; return the exit status after printing any error briefly."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--debug" in args:  # honoured wherever it is written, also after the command name
        os.environ[debug_env] = "1"
        args = [a for a in args if a != "--debug"]
    try:
        app(args=args, prog_name="vigil", standalone_mode=False)
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        print("aborted", file=sys.stderr)
        return 130
    except typer.TyperException as e:  # usage errors (a missing file, a bad option): Typer's own short message
        e.show()
        return e.exit_code
    except Exception as e:  # noqa: BLE001 - the one place every error is turned into a message
        if os.environ.get(debug_env):
            raise
        lines = error_lines(e)
        print("\n".join(lines), file=sys.stderr)
        return EXIT_OPERATOR_ERROR if is_operator_error(e) else EXIT_INTERNAL_ERROR
    return 0


def is_operator_error(e: BaseException) -> bool:
    return isinstance(e, (OperatorError, OSError))


def error_lines(e: BaseException) -> list[str]:
    """The few lines shown for `e`."""
    if isinstance(e, OperatorError):
        return ["error: " + line if i == 0 else line for i, line in enumerate(e.operator_lines())]
    if isinstance(e, OSError) and e.filename:
        return [f"error: cannot use {e.filename}: {e.strerror or e}"]
    return [f"vigil stopped on an internal error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}",
            "run again with --debug for the traceback, and please report it"]
