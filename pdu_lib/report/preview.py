"""``pdu-report preview [REPORT]``: one report served on localhost, updated as its notebooks and data are saved.

What an evaluator used to ``quarto preview`` expects: save a notebook in
JupyterLab (or a data file), and the open page reloads with the change.

- It watches the notebooks folder and the data folder (``watchfiles``).
- Its kernels stay warm between updates (one :class:`KernelPool` for the
  whole preview), and an update re-executes only the sections whose key
  changed: a notebook edited, or data the section read (``section_reads``).
- Each update publishes the pages only (index and sections) into
  ``OUT/<report>/``; the single file and the Word copy are built once, when
  the preview stops (or by a normal ``pdu-report render``).
- The pages are served by this process's own small HTTP server, which adds
  to each HTML page an inline script that listens to the server's events
  (Server-Sent Events) and reloads when a newer version is ready: nothing
  from the internet, no script file of its own.
- One line per update: ``09 Changes at work: updated in 0.6 s``.
- Ctrl-C stops the watcher, the server and every kernel, then writes the copies.

Only the machine itself can reach the server (it listens on 127.0.0.1).
"""

from __future__ import annotations

import dataclasses
import http.server
import io
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from pdu_lib import config
from pdu_lib.errors import InputError

EVENTS_PATH = "/.pdu-preview/events"
#: The inline script every served HTML page gets: reload when the server announces a newer version.
RELOAD_SCRIPT = """<script>
/* pdu-report preview: reload when a newer version of the report is ready. */
(function () {
  var version = "%s";
  var events = new EventSource("%s");
  events.onmessage = function (event) { if (event.data !== version) { window.location.reload(); } };
})();
</script>
"""
DEFAULT_PORT = 8642


class Versions:
    """The served report's version, bumped by each update; handlers wait on it."""

    def __init__(self) -> None:
        self.number = 0
        self.condition = threading.Condition()
        self.stopping = False

    def bump(self) -> None:
        with self.condition:
            self.number += 1
            self.condition.notify_all()

    def stop(self) -> None:
        with self.condition:
            self.stopping = True
            self.condition.notify_all()

    def wait_newer(self, seen: int, timeout: float) -> int:
        with self.condition:
            self.condition.wait_for(lambda: self.number != seen or self.stopping, timeout=timeout)
            return self.number


class PreviewHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the report folder, with the reload script in every HTML page, and the events stream."""

    root: Path
    versions: Versions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(self.root), **kwargs)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the terminal shows one line per update
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        route = self.path.split("?")[0].split("#")[0]
        if route == EVENTS_PATH:
            self.send_events()
            return
        path = Path(self.translate_path(self.path))
        if path.is_dir() and route.endswith("/"):
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            self.send_page(path)
            return
        super().do_GET()

    def send_page(self, path: Path) -> None:
        try:
            html = path.read_text(encoding="utf-8")
        except OSError:
            self.send_error(404, "not rendered yet")
            return
        script = RELOAD_SCRIPT % (self.versions.number, EVENTS_PATH)
        at = html.rfind("</body>")
        page = (html[:at] + script + html[at:]) if at != -1 else html + script
        data = page.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        seen = -1
        try:
            while not self.versions.stopping:
                current = self.versions.wait_newer(seen, timeout=10)
                if current != seen:
                    self.wfile.write(f"data: {current}\n\n".encode("ascii"))
                    seen = current
                else:
                    self.wfile.write(b": still here\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


def handler_class(root: Path, versions: Versions) -> type[PreviewHandler]:
    """The request handler for one preview: its folder and its versions."""
    return type("BoundPreviewHandler", (PreviewHandler,), {"root": root, "versions": versions})


def start_server(root: Path, versions: Versions, port: int) -> http.server.ThreadingHTTPServer:
    """The preview's HTTP server on 127.0.0.1, in a thread of its own; another free port when ``port`` is taken."""
    handler = handler_class(root, versions)
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="pdu-preview-server", daemon=True).start()
    return server


@dataclasses.dataclass
class PreviewSettings:
    report: str
    data_dir: Path
    out_dir: Path
    notebooks_dir: Path
    port: int = DEFAULT_PORT
    jobs: int = 1
    stream: TextIO = sys.stderr


class Preview:
    """One report kept up to date in ``OUT/<report>/`` from warm kernels (see the module docstring)."""

    def __init__(self, settings: PreviewSettings, folder: Any, pool: Any):
        from pdu_lib.report.publish import PageBodies
        from pdu_lib.report.render import RenderOptions

        self.settings = settings
        self.folder = folder
        self.pool = pool
        self.period = config.report_period(settings.data_dir, settings.report)
        self.options = RenderOptions(
            data_dir=settings.data_dir,
            out_dir=settings.out_dir,
            sections=list(config.SECTIONS),
            notebooks_dir=settings.notebooks_dir,
            jobs=settings.jobs,
            programme=config.programme_name(settings.data_dir),
            stream=io.StringIO(),  # the progress bars and per-report lines: the preview says one line per update instead
            copies=False,
            page_bodies=PageBodies(),
        )
        self.prepared: Any = None
        self.snapshot: Path | None = None
        self.versions = Versions()
        self.ok = False

    def say(self, line: str) -> None:
        print(line, file=self.settings.stream, flush=True)

    def prepare(self) -> None:
        """The report's data, checked (again only when a data file changed), and the run's own copy of its snapshot."""
        from pdu_lib.inputs.dataset import forget_loaded
        from pdu_lib.report.cache import keep_snapshot, prepare

        forget_loaded()
        prepared = prepare(self.settings.data_dir, self.settings.report)
        if self.prepared is None or prepared.key != self.prepared.key:
            self.prepared = prepared
            self.snapshot = keep_snapshot(prepared, self.folder.run_folder)

    def update(self, data_changed: bool = True) -> str:
        """Bring the served report up to date; the one line that says what changed and how long it took."""
        from pdu_lib.report.render import render_report

        started = time.monotonic()
        self.options.stream.seek(0)
        self.options.stream.truncate()
        try:
            if data_changed or self.prepared is None:
                self.prepare()
            result = render_report(self.period, self.prepared, self.options, folder=self.folder, pool=self.pool, snapshot=self.snapshot)
        except InputError as exc:
            self.ok = False
            return f"the data cannot be read: {exc}"
        seconds = time.monotonic() - started
        ran = [section_result for section_result in result.sections if not section_result.cached and section_result.ok]
        self.ok = result.ok
        if not result.ok:
            failed = result.failed
            first = f"{failed[0].section.title}: {failed[0].error}" if failed else f"figures.csv: {result.figures_error}"
            more = f" (and {len(failed) - 1} more section(s))" if len(failed) > 1 else ""
            return f"not updated, the page shows the last version that rendered: {first}{more}"
        self.versions.bump()
        return f"{changed_note(ran, len(result.sections))}: updated in {seconds:.1f} s"

    def finish(self) -> str:
        """The single file and the Word copy, from the sections as the preview left them (all in the cache)."""
        from pdu_lib.report.render import render_report

        if self.prepared is None or not self.ok:
            return "the single file and Word copy were not rebuilt: the last update did not render"
        options = dataclasses.replace(self.options, copies=True)
        result = render_report(self.period, self.prepared, options, folder=self.folder, pool=self.pool, snapshot=self.snapshot)
        if not result.ok or result.single_file is None:
            return "the single file and Word copy were not rebuilt: a section failed"
        return f"wrote the single file and the Word copy: {result.single_file} and {result.single_file.with_suffix('.docx')}"


def changed_note(ran: list, total: int) -> str:
    """``09 Changes at work``; ``14 sections`` when more than three ran; ``nothing changed``."""
    if not ran:
        return "nothing changed"
    if len(ran) > 3:
        return f"{len(ran)} of {total} sections"
    return ", ".join(f"{Path(s.section.notebook).stem[:2]} {s.section.title}" for s in ran)


def watched_change(data_dir: Path, notebooks_dir: Path):
    """The filter of ``watchfiles``: notebooks and data files, not hidden files, checkpoints or editors' temporary files."""

    def wanted(change: Any, path: str) -> bool:
        file = Path(path)
        if any(part.startswith(".") for part in file.parts[-4:]) or file.name.endswith("~"):
            return False
        if file.is_relative_to(notebooks_dir):
            return file.suffix == ".ipynb"
        return file.is_relative_to(data_dir)

    return wanted


def changed_data(changes: Iterable[tuple[Any, str]], data_dir: Path) -> bool:
    return any(Path(path).is_relative_to(data_dir) for _, path in changes)


def run_preview(settings: PreviewSettings, *, ready: threading.Event | None = None, stop: threading.Event | None = None) -> int:
    """Serve the report until Ctrl-C (or ``stop``); 0 when it stopped cleanly.

    ``ready`` is set once the first version is served (tests and the benchmark wait on it).
    """
    import watchfiles

    from pdu_lib.report.execute import KernelPool
    from pdu_lib.report.outputs import OutputFolder, check_out_dir

    settings.out_dir = check_out_dir(settings.out_dir, settings.data_dir)
    with OutputFolder(settings.out_dir) as folder, KernelPool(folder.runtime) as pool:
        preview = Preview(settings, folder, pool)
        preview.say(f"{settings.report}: {preview.update()}")
        (settings.out_dir / settings.report).mkdir(parents=True, exist_ok=True)
        server = start_server(settings.out_dir / settings.report, preview.versions, settings.port)
        preview.say(f"Previewing the {settings.report} report at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
        if ready is not None:
            ready.set()
        busy = False
        try:
            for changes in watchfiles.watch(
                settings.notebooks_dir,
                settings.data_dir,
                watch_filter=watched_change(settings.data_dir, settings.notebooks_dir),
                debounce=100,
                step=20,
                stop_event=stop,
                rust_timeout=500,
            ):
                busy = True
                preview.say(preview.update(data_changed=changed_data(changes, settings.data_dir)))
                busy = False
        except KeyboardInterrupt:
            pass
        finally:
            preview.versions.stop()
            server.shutdown()
            server.server_close()
        if busy:  # stopped in the middle of an update: its kernels are gone, and the copies would wait for a full run
            preview.say("stopped during an update: the single file and Word copy were not rebuilt (pdu-report render builds them)")
        else:
            preview.say("stopping: " + preview.finish())
    return 0
