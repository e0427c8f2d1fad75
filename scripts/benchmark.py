"""Speed of the workbook, measured: prints timings, asserts nothing.

    .venv/bin/python scripts/benchmark.py            # loading and figures
    .venv/bin/python scripts/benchmark.py --render   # also a full render of each report

Run on the machine you care about; the figures depend on it (CI: 2 cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pdu_lib import config, render  # noqa: E402
from pdu_lib.analysis import figures
from pdu_lib.build import render
from pdu_lib.inputs.dataset import _load  # noqa: E402


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def show(label: str, times: list[float]) -> None:
    print(f"{label:<46} median {statistics.median(times):7.3f} s   min {min(times):7.3f} s   (n={len(times)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=config.SAMPLE_DATA_DIR)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--render", action="store_true", help="also time a full render of every report")
    args = parser.parse_args()
    print(f"data: {args.data}   cores: {os.cpu_count()}   python: {sys.version.split()[0]}")
    for report in config.load_reports(args.data):
        show(f"load_dataset({report}) (uncached)", timed(lambda: _load(args.data, report), args.repeat))
        ds = _load(args.data, report)
        show(f"compute_figures({report})", timed(lambda: figures.compute_figures(ds), args.repeat))
    if args.render:
        for jobs in (1, 2):
            with tempfile.TemporaryDirectory() as out:
                started = time.perf_counter()
                results = render.render_reports(["all"], data_dir=args.data, out_dir=out, jobs=jobs, stream=open(os.devnull, "w"))
                elapsed = time.perf_counter() - started
                sizes = ", ".join(f"{r.name} {r.size_bytes / 1e6:.1f} MB" for r in results)
                print(f"{'render all, --jobs ' + str(jobs):<46} {elapsed:7.1f} s   ({sizes}; ok={all(r.ok for r in results)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
