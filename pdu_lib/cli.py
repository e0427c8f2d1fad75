"""``pdu-report``: the command line. Thin on purpose: parse, call render, map to an exit code.

Exit codes: 0 every section rendered; 1 a section (or figures.csv) failed;
2 bad input (unknown report or section, data that fails its checks, bad
arguments), with the problem printed and no traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pdu_lib import config
from pdu_lib.build import render
from pdu_lib.errors import InputError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pdu-report", description="Render the PDU evaluation reports.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    sections = ", ".join(section.key for section in config.SECTIONS)
    run = commands.add_parser(
        "render",
        help="execute the section notebooks and write offline HTML",
        description="Execute the section notebooks and write each report as offline HTML: "
        "OUT/<report>/index.html, sections/, figures.csv and <report>_report.html.",
    )
    run.add_argument("reports", nargs="+", metavar="report", help="final, interim, or all (every report of the data's reports.yml)")
    run.add_argument("--data", type=Path, default=config.SAMPLE_DATA_DIR, metavar="DIR", help="data folder (default: the synthetic sample, %(default)s)")
    run.add_argument("--out", type=Path, default=config.OUTPUTS_DIR, metavar="DIR", help="where reports are written (default: %(default)s)")
    run.add_argument("--jobs", type=_jobs, default=None, metavar="N", help=f"sections executed at once (default: {render.default_jobs()})")
    run.add_argument("--intervals", action="store_true", help="show 95%% Wilson intervals beside shares")
    run.add_argument("--sections", type=_keys, default=None, metavar="KEY,KEY", help=f"render only these sections: {sections}")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        results = render.render_reports(
            args.reports, data_dir=args.data, out_dir=args.out, jobs=args.jobs, sections=args.sections, intervals=args.intervals
        )
    except InputError as exc:
        print(f"pdu-report: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("pdu-report: interrupted; outputs left as they were", file=sys.stderr)
        return 130
    return EXIT_OK if all(result.ok for result in results) else EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
