"""``pdu-report``: the command line. Thin on purpose: parse, call render, map to an exit code.

Exit codes: 0 every section rendered; 1 a section (or figures.csv) failed;
2 bad input (unknown report or section, data that fails its checks, bad
arguments, an unsafe --out, another render writing to the same --out);
3 the outputs could not be written (a read-only folder, a full disk: the
path and the cause on one line, the previous outputs intact); 130 on Ctrl-C
and 143 on SIGTERM, after the running kernels are stopped and this run's
temporary folders removed. Always one line, no traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from pdu_lib import __version__, config
from pdu_lib.errors import InputError

# The report layer (pandas, papermill, nbformat ...) is imported only by the command that needs it:
# `pdu-report --help` answers, and a render prints its first line, before those imports.

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_CANNOT_WRITE = 0, 1, 2, 3


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that it unwinds (and cleans up) like Ctrl-C."""


def _terminate(signum, frame):
    raise Terminated()


def describe_os_error(exc: OSError) -> str:
    """An OSError as one line naming the path and the cause.

    >>> describe_os_error(OSError(28, "No space left on device", "outputs/final/index.html"))
    'cannot write outputs/final/index.html: No space left on device'
    """
    path = exc.filename if exc.filename is not None else "the output folder"
    cause = exc.strerror or str(exc) or type(exc).__name__
    return f"cannot write {path}: {cause}"


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _keys(text: str) -> list[str]:
    keys = [key.strip() for key in text.split(",") if key.strip()]
    if not keys:
        raise argparse.ArgumentTypeError("name at least one section key")
    return keys


def _add_preview_parser(commands) -> None:
    preview = commands.add_parser(
        "preview",
        help="serve one report on this machine and update it as notebooks and data are saved",
        description="Render one report, serve it at http://127.0.0.1:PORT/ and watch the notebooks and the data folder: "
        "a saved change re-runs only the sections it touches, and the open page reloads. The single file and the Word "
        "copy are written when the preview stops (Ctrl-C).",
    )
    preview.add_argument("report", nargs="?", default="final", help="the report to preview (default: %(default)s)")
    add_data_option(preview)
    preview.add_argument(
        "--out", type=Path, default=config.OUTPUTS_DIR, metavar="DIR", help="where the report is written (default: %(default)s)"
    )
    preview.add_argument(
        "--port", type=_jobs, default=8642, metavar="N", help="the port to serve on (default: %(default)s; another when taken)"
    )
    preview.add_argument(
        "--jobs", type=_jobs, default=None, metavar="N", help=f"sections executed at once (default: {config.default_jobs()})"
    )
    preview.add_argument("--notebooks", type=Path, default=config.NOTEBOOKS_DIR, metavar="DIR", help=argparse.SUPPRESS)


def add_data_option(parser: argparse.ArgumentParser) -> None:
    """The ``--data DIR`` option every command that reads a data folder takes (default: the synthetic sample)."""
    parser.add_argument(
        "--data", type=Path, default=config.SAMPLE_DATA_DIR, metavar="DIR", help="data folder (default: the synthetic sample, %(default)s)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pdu-report", description="Render the PDU evaluation reports.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    _add_render(commands)
    _add_preview_parser(commands)
    _add_other_commands(commands)
    return parser


def _add_render(commands) -> None:
    """``pdu-report render``."""
    sections = ", ".join(section.key for section in config.SECTIONS)
    run = commands.add_parser(
        "render",
        help="execute the section notebooks and write offline HTML",
        description="Execute the section notebooks and write each report as offline HTML: "
        "OUT/<report>/index.html, sections/, figures.csv and <report>_report.html.",
    )
    run.add_argument("reports", nargs="+", metavar="report", help="final, interim, or all (every report of the data's reports.yml)")
    add_data_option(run)
    run.add_argument("--out", type=Path, default=config.OUTPUTS_DIR, metavar="DIR", help="where reports are written (default: %(default)s)")
    run.add_argument("--jobs", type=_jobs, default=None, metavar="N", help=f"sections executed at once (default: {config.default_jobs()})")
    run.add_argument("--intervals", action="store_true", help="show 95%% Wilson intervals beside shares")
    run.add_argument("--sections", type=_keys, default=None, metavar="KEY,KEY", help=f"render only these sections: {sections}")
    run.add_argument("--no-cache", action="store_true", help="load the data and run every section afresh, ignoring the render cache")


def _add_other_commands(commands) -> None:
    """``pdu-report cache``, ``review-pack``, ``figures`` and ``upgrade-survey-codes``."""
    cache_parser = commands.add_parser(
        "cache",
        help="the render cache (prepared datasets, executed sections)",
        description="The render cache: prepared datasets and executed sections (`pdu-report cache path` prints where it is; "
        "set PDU_CACHE_DIR to move it).",
    )
    cache_parser.add_argument("action", choices=["clear", "path"], help="clear: empty the cache; path: print where it is")
    pack = commands.add_parser(
        "review-pack",
        help="write the Expert Citizens review pack (Word and XLSX) from a report's data",
        description="Write the actions people reported, anonymised and grouped by theme, as a Word document to print "
        "and an XLSX to fill in: OUT/review_pack/<report>/expert_citizens_review_pack.docx and .xlsx.",
    )
    pack.add_argument("report", help="the report whose data the actions come from (e.g. final)")
    add_data_option(pack)
    pack.add_argument(
        "--out", type=Path, default=config.OUTPUTS_DIR, metavar="DIR", help="where the pack is written (default: %(default)s)"
    )
    catalogue = commands.add_parser(
        "figures",
        help="print every %%prose placeholder of a report with its value, its base and what each wording format gives",
        description="Print every figure and front-matter value a %%prose cell can name, with its current value, its base "
        "and the words each format gives ({made_contact:judged} -> 'only 13 of 36'), for the evaluator writing a sentence.",
    )
    catalogue.add_argument("report", help="the report whose figures to list (e.g. final)")
    add_data_option(catalogue)
    upgrade = commands.add_parser(
        "upgrade-survey-codes",
        help="convert excerpts/survey_codes.csv from the old layout (row, column) to the current one (Respondent ID, question)",
        description="Read each old code's cell in the exports the data folder holds now and write the codes by identity to OUT "
        "(survey_file, Respondent ID, question, tag). The data folder is not changed: put OUT in place of the old file.",
    )
    add_data_option(upgrade)
    upgrade.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="the CSV to write (outside the data folder, or a new name in it)"
    )


def _upgrade_survey_codes(args) -> int:
    from pdu_lib.inputs.survey_codes_upgrade import upgrade_survey_codes

    codes = args.data / "excerpts" / "survey_codes.csv"
    if args.out.resolve() == codes.resolve():
        raise InputError(args.out, "would overwrite the old codes: write to another file, then put it in place")
    upgraded = upgrade_survey_codes(codes, args.data, name="excerpts/survey_codes.csv")
    upgraded.to_csv(args.out, index=False, encoding="utf-8")
    print(f"wrote {len(upgraded)} codes in the current layout to {args.out}")
    return EXIT_OK


def _figures(args) -> int:
    from pdu_lib.report.notebook import figure_catalogue

    print(figure_catalogue(args.data, args.report))
    return EXIT_OK


def _review_pack(args) -> int:
    from pdu_lib.report.expert_review_pack import write_review_pack

    pack = write_review_pack(args.report, data_dir=args.data, out_dir=args.out)
    print(f"wrote {len(pack.actions)} actions to {pack.docx} and {pack.xlsx}")
    return EXIT_OK


def progress(line: str) -> None:
    """A first line on a terminal, before the slow imports; none where stderr is a file (its lines are errors only)."""
    if sys.stderr.isatty():
        print(f"pdu-report: {line} ...", file=sys.stderr, flush=True)


def _preview(args) -> int:
    progress(f"preparing a preview of the {args.report} report from {args.data}")
    from pdu_lib.report.preview import PreviewSettings, run_preview

    data_dir = args.data.resolve()
    if not data_dir.is_dir():
        raise InputError(data_dir, "no such data folder")
    config.report_period(data_dir, args.report)  # an unknown report stops here, before any kernel starts
    settings = PreviewSettings(
        report=args.report,
        data_dir=data_dir,
        out_dir=args.out.resolve(),
        notebooks_dir=args.notebooks.resolve(),
        port=args.port,
        jobs=args.jobs or config.default_jobs(),
    )
    return run_preview(settings)


def cache_command(action: str) -> int:
    from pdu_lib.report import cache

    if action == "path":
        print(cache.cache_dir())
        return EXIT_OK
    folder, removed = cache.clear()
    print(f"pdu-report: cache cleared ({removed} file(s) removed from {folder})")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "cache":
        return cache_command(args.action)
    previous = None
    if threading_main():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        if args.command == "review-pack":
            return _review_pack(args)
        if args.command == "upgrade-survey-codes":
            return _upgrade_survey_codes(args)
        if args.command == "figures":
            return _figures(args)
        if args.command == "preview":
            return _preview(args)
        progress(f"rendering {', '.join(args.reports)} from {args.data} into {args.out}")
        from pdu_lib.report import render

        results = render.render_reports(
            args.reports,
            data_dir=args.data,
            out_dir=args.out,
            jobs=args.jobs,
            sections=args.sections,
            intervals=args.intervals,
            use_cache=not args.no_cache,
        )
    except InputError as exc:
        print(f"pdu-report: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"pdu-report: {describe_os_error(exc)}; the previous outputs are unchanged", file=sys.stderr)
        return EXIT_CANNOT_WRITE
    except KeyboardInterrupt as exc:
        print("pdu-report: interrupted; kernels stopped, outputs left as they were", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return EXIT_OK if all(result.ok for result in results) else EXIT_FAILED


def threading_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
