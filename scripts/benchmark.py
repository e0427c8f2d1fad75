"""Speed of the workbook, measured in one run on this machine: prints times and ratios, asserts nothing.

    .venv/bin/python scripts/benchmark.py           # everything (several minutes)
    .venv/bin/python scripts/benchmark.py --quick   # without the runs at 100 times the sample

Every step runs in a fresh Python process (imports included), one after the
other, so that the steps compete only with the rest of the machine. Each time
is also printed as a ratio to the naive baseline: papermill then nbconvert on
each section notebook in turn, for every report, each kernel loading the raw
data itself (``PDU_NO_CACHE``). A figure from a busy machine is a ratio, not a
time: the machine is shared (CI has 2 cores).

Peak memory is the largest resident set of the render's process and of any
one of its kernels (``getrusage``), in the cold render at 100 times.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# ---------------------------------------------------------------------------
# The steps, each run as ``benchmark.py --step NAME ...`` in its own process


def _peak_mb() -> dict:
    import resource

    # ru_maxrss is in KiB on Linux (bytes on macOS).
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 2**20
    return {
        "self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale,
        "children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale,
    }


def step_naive(data: Path, out: Path) -> dict:
    """The naive loop: papermill, then nbconvert's own HTML export, on each notebook in turn."""
    import nbformat
    from nbconvert import HTMLExporter

    from pdu_lib import config
    from pdu_lib.report.execute import execute_notebook

    os.environ["PDU_NO_CACHE"] = "1"  # each kernel loads and checks the raw data, as before the cache
    failures = []
    for report in config.load_reports(data):
        folder = out / report
        (folder / "executed").mkdir(parents=True, exist_ok=True)
        for section in config.SECTIONS:
            executed = folder / "executed" / section.notebook
            parameters = {"report": report, "data_dir": str(data), "output_dir": str(folder), "report_mode": True}
            try:
                execute_notebook(config.NOTEBOOKS_DIR / section.notebook, executed, parameters, cwd=config.NOTEBOOKS_DIR)
            except Exception as exc:  # a failing cell still costs its time; note it
                failures.append(f"{report}/{section.key}: {type(exc).__name__}")
            body, _ = HTMLExporter().from_notebook_node(nbformat.read(executed, as_version=4))
            (folder / f"{Path(section.notebook).stem}.html").write_text(body, encoding="utf-8")
    return {"failures": failures}


def step_render(data: Path, out: Path) -> dict:
    from pdu_lib import config
    from pdu_lib.report import render

    if os.environ.get("PDU_BENCHMARK_NOTEBOOKS"):  # a copy of the notebooks, which the benchmark edits
        config.NOTEBOOKS_DIR = Path(os.environ["PDU_BENCHMARK_NOTEBOOKS"])

    with open(os.devnull, "w") as quiet:
        results = render.render_reports(["all"], data_dir=data, out_dir=out, stream=quiet)
    return {
        "ok": all(result.ok for result in results),
        "executed": sum(not s.cached for result in results for s in result.sections),
        "sections": sum(len(result.sections) for result in results),
        "sizes_mb": {result.name: round((result.size_bytes or 0) / 1e6, 1) for result in results},
    }


def step_load(data: Path, repeat: int) -> dict:
    from pdu_lib.inputs.dataset import _load

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        _load(data.resolve(), "final")
        times.append(time.perf_counter() - started)
    return {"seconds": min(times), "all": times}


def run_step(name: str, *args: str, env: dict | None = None) -> tuple[float, dict]:
    """Run one step in a fresh process; its wall time (imports included) and what it reported."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--step", name, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"benchmark step {name} failed:\n{done.stderr[-3000:]}")
    return elapsed, json.loads(done.stdout.strip().splitlines()[-1])


def edit_notebook(path: Path, marker: str, kind: str) -> None:
    """Add a sentence to the last markdown cell (``kind`` "markdown") or to the last ``%%prose`` cell ("code") of a notebook."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    if kind == "markdown":
        cell = [c for c in nb["cells"] if c["cell_type"] == "markdown"][-1]
    else:
        cell = [c for c in nb["cells"] if c["cell_type"] == "code" and "%%prose" in "".join(c["source"])][-1]
    cell["source"] = "".join(cell["source"]) + f"\n\nThe benchmark added this sentence ({marker})."
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def first_line_seconds(command: list[str]) -> float:
    """Seconds until ``command`` writes its first line to a terminal (a pseudo-terminal: the render's first line is for people)."""
    import pty
    import select

    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child
        os.chdir(ROOT)
        os.execvp(command[0], command)
    seconds = float("nan")
    try:
        ready, _, _ = select.select([fd], [], [], 60)
        if ready and os.read(fd, 1024):
            seconds = time.perf_counter() - started
    finally:
        os.kill(pid, 15)
        os.waitpid(pid, 0)
        os.close(fd)
    return seconds


def time_command(command: list[str], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - started)
    return min(times)


def preview_timings(data: Path, notebooks: Path, out: Path, env: dict) -> dict:
    """``pdu-report preview final``: seconds from a notebook file written to its new page served, for a markdown and a code edit."""
    import signal
    import urllib.request

    command = [sys.executable, "-m", "pdu_lib.cli", "preview", "final", "--data", str(data), "--out", str(out)]
    command += ["--notebooks", str(notebooks), "--port", "8679", "--jobs", "2"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env={**os.environ, **env}, cwd=ROOT)
    address = None
    assert process.stderr is not None
    for line in process.stderr:
        if "Previewing" in line:
            address = line.split(" at ")[1].split()[0]
            break
    if address is None:
        raise SystemExit("the preview did not start")
    page = address + "sections/09_changes_at_work.html"
    timings = {}
    try:
        for kind in ("markdown", "code"):
            time.sleep(1)  # the first version settled
            marker = f"{kind}-{time.time_ns()}"
            started = time.perf_counter()
            edit_notebook(notebooks / "09_changes_at_work.ipynb", marker, kind)
            while marker not in urllib.request.urlopen(page).read().decode("utf-8"):
                if time.perf_counter() - started > 120:
                    raise SystemExit(f"the preview did not show the {kind} edit")
                time.sleep(0.01)
            timings[kind] = time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=300)
    return timings


# ---------------------------------------------------------------------------
# The run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="leave out the runs at 100 times the sample")
    parser.add_argument("--scale", type=int, default=100, help="the large dataset's scale (default: 100)")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.step:
        first, second = options.args
        if options.step == "load":
            result = step_load(Path(first), int(second))
        else:
            result = {"naive": step_naive, "render": step_render}[options.step](Path(first), Path(second))
        result.update(_peak_mb())
        print(json.dumps(result))
        return 0

    from pdu_lib import config

    print(f"cores: {os.cpu_count()}   python: {sys.version.split()[0]}   load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    work = Path(tempfile.mkdtemp(prefix="pdu-benchmark-"))
    rows: list[tuple[str, float, str]] = []
    try:
        data = work / "sample"
        shutil.copytree(config.SAMPLE_DATA_DIR, data)
        notebooks = work / "notebooks"
        shutil.copytree(config.NOTEBOOKS_DIR, notebooks, ignore=shutil.ignore_patterns(".*"))
        cache = {"PDU_CACHE_DIR": str(work / "cache"), "PDU_BENCHMARK_NOTEBOOKS": str(notebooks)}

        def show(label: str, seconds: float, note: str = "") -> None:
            ratio = f"{seconds / baseline:6.3f}x" if baseline else "   1.000x"
            print(f"{label:<44} {seconds:8.2f} s  {ratio}  {note}", flush=True)
            rows.append((label, seconds, note))

        baseline = 0.0
        seconds, naive = run_step("naive", str(data), str(work / "naive"), env={"PDU_CACHE_DIR": str(work / "naive-cache")})
        show("naive loop (papermill + nbconvert, in turn)", seconds, f"failures: {naive['failures'] or 'none'}")
        baseline = seconds

        cold, info = run_step("render", str(data), str(work / "out"), env=cache)
        show(
            "cold render, both reports", cold, f"{info['executed']}/{info['sections']} sections ran; ok={info['ok']}; {info['sizes_mb']} MB"
        )
        seconds, info = run_step("render", str(data), str(work / "out"), env=cache)
        show("render with nothing changed", seconds, f"{info['executed']}/{info['sections']} sections ran; ok={info['ok']}")

        edit_notebook(notebooks / "09_changes_at_work.ipynb", "benchmark", "markdown")
        seconds, info = run_step("render", str(data), str(work / "out"), env=cache)
        show(
            "one markdown edit, both reports",
            seconds,
            f"{info['executed']}/{info['sections']} sections ran; ok={info['ok']}; target <= 0.02x",
        )

        hub = data / "hub_registrations.csv"
        lines = hub.read_text(encoding="utf-8").splitlines()
        hub.write_text("\n".join([lines[0], *lines[2:]]) + "\n", encoding="utf-8")  # one registration fewer
        seconds, info = run_step("render", str(data), str(work / "out"), env=cache)
        show(
            "one changed hub file, both reports",
            seconds,
            f"{info['executed']}/{info['sections']} sections ran; ok={info['ok']}; target <= 0.04x",
        )

        lab = importlib.util.find_spec("rfc3987_syntax") is not None
        cli = [sys.executable, "-m", "pdu_lib.cli"]
        seconds = time_command([*cli, "--help"])
        show("pdu-report --help (best of 3)", seconds, f"target <= 0.5 s; jsonschema's rfc3987_syntax (lab extra) installed: {lab}")
        hidden = [sys.executable, "-c", "import sys; sys.modules['rfc3987_syntax'] = None; from pdu_lib import cli; cli.main(['--help'])"]
        seconds = time_command(hidden)
        show("pdu-report --help, rfc3987_syntax hidden", seconds, "as without the lab extra; target <= 0.5 s")
        seconds = first_line_seconds([*cli, "render", "all", "--data", str(data), "--out", str(work / "out-first-line")])
        show("pdu-report render: first progress line", seconds, "on a terminal; target <= 0.5 s")

        timings = preview_timings(data, notebooks, work / "out-preview", cache)
        show("preview: saved -> served, markdown edit", timings["markdown"], "target <= 1 s")
        show("preview: saved -> served, code-cell edit", timings["code"], "target <= 2 s")

        seconds, info = run_step("load", str(config.SAMPLE_DATA_DIR), "3")
        show("load_dataset, sample (best of 3)", info["seconds"], "target <= 0.3 s (quiet machine)")

        if not options.quick:
            large = work / f"x{options.scale}"
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "pdu_sample", "--out", str(large), "--scale", str(options.scale)],
                check=True,
                cwd=ROOT,
                capture_output=True,
            )
            print(f"(generated the sample at {options.scale}x in {time.perf_counter() - started:.1f} s; not a benchmark figure)")
            seconds, info = run_step("load", str(large), "1")
            show(f"load_dataset, {options.scale}x", info["seconds"], "target <= 3 s (quiet machine)")
            seconds, info = run_step("render", str(large), str(work / "out-large"), env={"PDU_CACHE_DIR": str(work / "cache-large")})
            show(
                f"cold render at {options.scale}x, both reports",
                seconds,
                f"{seconds / cold:.2f}x the sample's cold render (target <= 1.3x); ok={info['ok']}",
            )
            peak = max(info["self_mb"], info["children_mb"])
            print(
                f"{'peak memory at ' + str(options.scale) + 'x':<44} {peak:8.0f} MB  (render {info['self_mb']:.0f} MB, largest kernel {info['children_mb']:.0f} MB; target < 1024 MB)"
            )

        print("targets: cold <= 0.10x, one markdown edit <= 0.02x, one changed hub file <= 0.04x (ratios to the naive loop above)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
