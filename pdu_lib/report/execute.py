"""Executing section notebooks with papermill, on the interpreter that runs the render, several at a time.

A render keeps ``jobs`` kernels (a :class:`KernelPool`) and runs one section
after another in each: starting a kernel and importing ``pdu_lib`` cost more
than most sections. Each section starts with a cell that empties the kernel
through IPython's public API (its variables and outputs gone, open figures
closed, the cell count back to 1), so a section sees nothing of the one before
it; a kernel whose section failed is shut down and replaced by a fresh one.
Only public APIs of papermill, nbclient (``km``, ``kc``), jupyter_client and
IPython are used (``tests/test_private_apis.py`` checks).
"""

import asyncio
import contextlib
import os
import queue
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
import zmq
from ipykernel.kernelspec import RESOURCES, get_kernel_dict
from jupyter_client import protocol_version_info
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets import default

from pdu_lib import config
from pdu_lib.config import TEMPLATES_DIR, Section
from pdu_lib.report.export import has_plotly, notebook_body, without_tagged_cells

MATPLOTLIBRC = TEMPLATES_DIR / "matplotlibrc"


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# ---------------------------------------------------------------------------
# Executing the notebooks


@dataclass
class SectionResult:
    """How one section went. ``error`` is short: the cell's exception, one line."""

    section: Section
    ok: bool
    error: str | None = None
    failed_notebook: Path | None = None
    seconds: float = 0.0
    stderr_lines: int = 0
    body: str = field(default="", repr=False)
    has_plotly: bool = False
    cached: bool = False  # True when the result came from the render cache, not a kernel


def short_message(text: str, limit: int = 300) -> str:
    text = _ANSI.sub("", str(text)).strip()
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


def kernel_env() -> dict[str, str]:
    """Environment added to each notebook kernel, for a reproducible render.

    The kernel imports the same ``pdu_lib`` as the renderer (PYTHONPATH), draws
    matplotlib figures inline even where the shell sets MPLBACKEND (CI often
    sets Agg, which would drop every chart), salts SVG ids (MATPLOTLIBRC) and
    dates (SOURCE_DATE_EPOCH), and fixes str hashing (PYTHONHASHSEED).
    """
    root = str(config.PROJECT_ROOT)
    path = os.environ.get("PYTHONPATH", "")
    return {
        "PYTHONPATH": root + (os.pathsep + path if path else ""),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MATPLOTLIBRC": str(MATPLOTLIBRC),
        "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "0"),
        "PYTHONHASHSEED": "0",
    }


def kill_process_tree(process) -> bool:
    """Kill a kernel's process and every process it started (psutil: the same on every platform); True if it was running."""
    try:
        root = psutil.Process(process.pid)
        tree = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return False
    for member in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.kill()
    return True


class PromptKernelClient(AsyncKernelClient):
    """jupyter_client's asynchronous client, ready as soon as the kernel answers on both channels.

    jupyter_client's ``wait_for_ready`` ends by waiting for 0.2 s of silence on
    IOPub, and every section's new client would pay it. Those leftover messages
    answer the readiness request, and nbclient reads only the messages of its own
    requests, so they need no waiting for. Public API only: ``kernel_info``, the
    channels' ``get_msg``, ``is_alive`` and the session's ``adapt_version``.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while True:
            reply = await self._kernel_info_reply()
            if reply is not None and await self._iopub_answers():
                self._adapt_to(reply)
                return
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
            await asyncio.sleep(0)

    async def _kernel_info_reply(self) -> dict | None:
        """Ask for the kernel's info; its reply, or None when none came within a second."""
        self.kernel_info()
        try:
            reply = await self.shell_channel.get_msg(timeout=1)
        except queue.Empty:
            return None
        return reply if reply["msg_type"] == "kernel_info_reply" else None

    async def _iopub_answers(self) -> bool:
        """True once IOPub is connected: the request's status message arrived."""
        try:
            await self.iopub_channel.get_msg(timeout=0.2)
        except queue.Empty:
            return False
        return True

    def _adapt_to(self, reply: dict) -> None:
        """Speak the kernel's protocol version, as jupyter_client does on a kernel_info reply."""
        version = int(reply["content"]["protocol_version"].split(".")[0])
        if version != protocol_version_info[0]:
            self.session.adapt_version = version


class ThisInterpreterSpecs(KernelSpecManager):
    """Kernel specs that always give the interpreter running the render, with :func:`kernel_env`.

    A kernel found by name ("python3") can be another Python: a user-wide
    kernelspec in ~/.local/share/jupyter wins over the venv's own, and a fresh
    venv may have none. The renderer's interpreter has the pinned packages, so
    the kernel uses it (ipykernel's own spec: sys.executable).
    """

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        spec = get_kernel_dict()
        spec["env"] = kernel_env()
        return KernelSpec(resource_dir=RESOURCES, **spec)


class ThisInterpreterKernelManager(AsyncKernelManager):
    """A kernel on this interpreter, talked to through a :class:`PromptKernelClient`.

    A kernel kept for the next section gets a new client per section (nbclient asks :meth:`client`):
    the previous one is done, and its channels would otherwise go on receiving every output.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.section_client: AsyncKernelClient | None = None

    def client(self, **kwargs) -> AsyncKernelClient:  # type: ignore[override]  # as jupyter_client's own AsyncKernelManager.client
        self.close_client()
        self.section_client = super().client(**kwargs)
        return self.section_client

    def close_client(self) -> None:
        """Stop the channels of the last section's client."""
        if self.section_client is not None:
            with contextlib.suppress(Exception):  # already stopped, or the kernel is gone
                self.section_client.stop_channels()
            self.section_client = None

    @default("kernel_spec_manager")
    def _default_kernel_spec_manager(self) -> KernelSpecManager:
        return ThisInterpreterSpecs()

    @default("client_factory")
    def _default_client_factory(self) -> type:
        return PromptKernelClient

    @default("transport_encryption")
    def _default_transport_encryption(self) -> str:
        # Encrypt the local TCP channels when pyzmq can (ipykernel warns otherwise).
        return "auto" if zmq.has("curve") else "disabled"


def new_kernel_manager(runtime_dir: Path | None = None) -> ThisInterpreterKernelManager:
    """A kernel manager whose connection file lies in ``runtime_dir`` (beside the render's staging, not in
    $TMPDIR: the next render removes what a killed one left)."""
    if runtime_dir is None:
        return ThisInterpreterKernelManager(kernel_name="python3")
    return ThisInterpreterKernelManager(kernel_name="python3", connection_file=str(runtime_dir / f"kernel-{uuid.uuid4().hex}.json"))


class KernelPool:
    """Kernels kept between sections: a section takes an idle one (or a new one) and gives it back.

    Used as a context manager, it shuts every kernel down at the end. The pool
    holds at most as many kernels as sections run at once. A kernel is started
    by the first section that uses it (papermill starts it, in that section's
    working folder). :meth:`kill` stops every kernel at once (Ctrl-C, SIGTERM).
    """

    def __init__(self, runtime_dir: Path | None = None):
        self.runtime_dir = runtime_dir
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        self._managers: list = []
        self._lock = threading.Lock()
        self.started = 0  # kernel managers made: how many kernels this pool has started, at most

    def __enter__(self) -> "KernelPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def kernel(self):
        """A kernel manager for one section; kept for the next section only if the block ends without an exception."""
        try:
            manager = self._idle.get_nowait()
        except queue.Empty:
            manager = new_kernel_manager(self.runtime_dir)
            with self._lock:
                self._managers.append(manager)
                self.started += 1
        try:
            yield manager
        except BaseException:
            self._retire(manager)
            raise
        self._idle.put(manager)

    def _retire(self, manager) -> None:
        with self._lock:
            if manager in self._managers:
                self._managers.remove(manager)
        _shutdown(manager)

    def close(self) -> None:
        """Shut down every kernel of the pool."""
        with self._lock:
            managers, self._managers = self._managers, []
        for manager in managers:
            _shutdown(manager)

    def kill(self) -> int:
        """Kill every running kernel of the pool (its whole process tree) at once; the number stopped.

        A kernel runs in its own session, so the terminal's Ctrl-C never reaches it,
        and waiting for each section to finish could take minutes.
        """
        with self._lock:
            managers = list(self._managers)
        return sum(kill_process_tree(process) for process in map(_kernel_process, managers) if process is not None)


def _kernel_process(manager):
    """The kernel's process (the local provisioner's ``process``), or None when it is not running."""
    process = getattr(manager.provisioner, "process", None)
    return process if process is not None and process.poll() is None else None


def _shutdown(manager) -> None:
    manager.close_client()
    try:
        if manager.has_kernel:
            run_sync(manager.shutdown_kernel)(now=True)
        run_sync(manager.cleanup_resources)()
    except Exception:  # a kernel already dead: kill what is left of it
        process = _kernel_process(manager)
        if process is not None:
            kill_process_tree(process)


#: The first cell of every section run in a kept kernel (tagged ``remove-cell``: never in the HTML).
KERNEL_RESET_SOURCE = """\
# Added by the render: kernels are kept from one section to the next, so each section starts as in a new kernel.
# IPython's public API: an empty namespace and output history (InteractiveShell.reset), the %%prose extension
# unloaded (so that %load_ext loads it quietly again), no open figure, and the cell count back to 1.
# reset ends with a full garbage collection (0.15 s a section with a report's data loaded); with every object
# frozen (gc.freeze) it has nothing to scan, and the previous section's garbage goes in the next ordinary collection.
def _pdu_fresh_kernel(shell):
    import gc

    import matplotlib.pyplot

    gc.freeze()
    try:
        shell.reset(new_session=False)
    finally:
        gc.unfreeze()
    shell.extension_manager.unload_extension("pdu_lib.present.authoring")
    matplotlib.pyplot.close("all")
    shell.execution_count = 1


_pdu_fresh_kernel(get_ipython())"""


def with_kernel_reset(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` that first empties the kernel it runs in (:data:`KERNEL_RESET_SOURCE`).

    Papermill puts its parameters after the cell tagged ``parameters``, or first
    when there is none; then an empty ``parameters`` cell follows the reset,
    so that the parameters are set after it, not wiped by it.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    >>> [c.metadata.get("tags", []) for c in with_kernel_reset(nb).cells]
    [['remove-cell'], ['parameters', 'remove-cell'], []]
    """
    import copy

    reset = nbformat.v4.new_code_cell(KERNEL_RESET_SOURCE, metadata={"tags": ["remove-cell"]})
    cells = [reset]
    if not any("parameters" in cell.get("metadata", {}).get("tags", []) for cell in nb.cells):
        cells.append(nbformat.v4.new_code_cell("", metadata={"tags": ["parameters", "remove-cell"]}))
    copied = copy.deepcopy(nb)
    copied.cells = cells + copied.cells
    return copied


START_TIMEOUT = 120  # seconds for a kernel to start and answer


def execute_notebook(
    notebook, executed: Path, parameters: dict, cwd: Path, timeout: int | None = None, runtime_dir: Path | None = None, kernel=None
):
    """Execute one notebook (a path or a NotebookNode) with papermill; the executed copy goes to ``executed``.

    The kernel's working folder is ``cwd`` (the notebooks folder, as in
    JupyterLab), given to the kernel rather than through papermill's ``cwd``,
    which changes the whole process's folder and so is unsafe in threads.
    ``kernel`` is a kernel manager of a :class:`KernelPool` to run in (the
    notebook should start with :func:`with_kernel_reset`); without one,
    the notebook gets a kernel of its own, shut down at the end.
    """
    if kernel is None:
        with KernelPool(runtime_dir) as own, own.kernel() as manager:
            return execute_notebook(notebook, executed, parameters, cwd, timeout=timeout, kernel=manager)
    import papermill

    return papermill.execute_notebook(
        notebook if isinstance(notebook, nbformat.NotebookNode) else str(notebook),
        str(executed),
        parameters=parameters,
        kernel_name="python3",
        language="python",
        progress_bar=False,
        log_output=False,
        # The executed copy is written once at the end (or on an error), not twice per cell: those
        # writes cost the render's own process more CPU than the kernels' cells.
        request_save_on_cell_execute=False,
        start_timeout=START_TIMEOUT,
        execution_timeout=timeout,
        km=kernel,
        resources={"metadata": {"path": str(cwd)}},
    )


def run_sections(
    sections: Sequence[Section],
    *,
    notebooks_dir: Path,
    parameters: dict | Callable[[Section], dict],
    executed_dir: Path,
    jobs: int = 1,
    desc: str = "",
    stream=None,
    drop_tags: Iterable[str] = (),
    runtime_dir: Path | None = None,
    pool: KernelPool | None = None,
) -> list[SectionResult]:
    """Execute and export each section, ``jobs`` at a time; results in section order.

    An interrupt (KeyboardInterrupt, which ``pdu-report`` also raises on SIGTERM)
    kills the running kernels and cancels the sections not started, then propagates.

    ``parameters`` is one dict for every section, or a function giving each section its own.
    The sections run in the kernels of ``pool``; without one, in a pool of their own,
    shut down at the end.
    """
    if pool is None:
        with KernelPool(runtime_dir) as own:
            return run_sections(
                sections,
                notebooks_dir=notebooks_dir,
                parameters=parameters,
                executed_dir=executed_dir,
                jobs=jobs,
                desc=desc,
                stream=stream,
                drop_tags=drop_tags,
                runtime_dir=runtime_dir,
                pool=own,
            )
    progress = _Progress(len(sections), desc or "render", sys.stderr if stream is None else stream)

    def one(index: int, section: Section) -> SectionResult:
        with progress.running(section.key):
            own = parameters(section) if callable(parameters) else parameters
            return render_section(
                index,
                section,
                notebooks_dir=notebooks_dir,
                parameters=own,
                executed_dir=executed_dir,
                drop_tags=drop_tags,
                runtime_dir=runtime_dir,
                pool=pool,
            )

    try:
        results = _in_threads(one, sections, jobs, pool)
    finally:
        progress.close()
    return [results[section.key] for section in sections]


class _Progress:
    """A progress bar (tqdm) naming the sections running now."""

    def __init__(self, total: int, desc: str, stream) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, desc=desc, unit="section", file=stream, dynamic_ncols=True)
        self._running: list[str] = []
        self._lock = threading.Lock()

    @contextmanager
    def running(self, key: str):
        with self._lock:
            self._running.append(key)
            self._show()
        try:
            yield
        finally:
            with self._lock:
                self._running.remove(key)
                self._bar.update(1)
                self._show()

    def _show(self) -> None:
        self._bar.set_postfix_str(("running: " + ", ".join(self._running)) if self._running else "", refresh=True)

    def close(self) -> None:
        self._bar.close()


def _in_threads(one: Callable[[int, Section], SectionResult], sections: Sequence[Section], jobs: int, pool: KernelPool) -> dict:
    """``one(index, section)`` for every section, ``jobs`` at a time; results by section key.

    An interrupt kills the pool's running kernels and cancels the sections not started, then propagates.
    """
    results: dict[str, SectionResult] = {}
    threads = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="pdu-section")
    try:
        futures = {threads.submit(one, index, section): section for index, section in enumerate(sections)}
        for future in as_completed(futures):
            results[futures[future].key] = future.result()
    except BaseException:
        threads.shutdown(wait=False, cancel_futures=True)
        pool.kill()
        raise
    threads.shutdown(wait=True)
    return results


def render_section(
    index: int,
    section: Section,
    *,
    notebooks_dir: Path,
    parameters: dict,
    executed_dir: Path,
    drop_tags: Iterable[str] = (),
    runtime_dir: Path | None = None,
    pool: KernelPool | None = None,
) -> SectionResult:
    """Execute one section notebook and export it; never raises for the notebook's own errors.

    With a ``pool``, the notebook runs in one of its kernels, emptied first;
    a kernel whose section failed is not used again.
    """
    started = time.monotonic()
    notebook = notebooks_dir / section.notebook
    executed = executed_dir / section.notebook
    if not notebook.is_file():
        return SectionResult(section, ok=False, error=f"notebook not found: {notebook}")
    try:
        source = without_tagged_cells(nbformat.read(notebook, as_version=4), drop_tags)
        if pool is None:
            nb = execute_notebook(source, executed, parameters, cwd=notebooks_dir, runtime_dir=runtime_dir)
        else:
            with pool.kernel() as kernel:
                nb = execute_notebook(
                    with_kernel_reset(source), executed, parameters, cwd=notebooks_dir, runtime_dir=runtime_dir, kernel=kernel
                )
    except Exception as exc:
        return SectionResult(section, ok=False, error=describe_failure(exc), seconds=time.monotonic() - started)
    try:
        body, stderr_lines = notebook_body(nb, section, resources_path=notebooks_dir)
    except Exception as exc:
        return SectionResult(
            section,
            ok=False,
            error=f"HTML export failed: {short_message(f'{type(exc).__name__}: {exc}')}",
            seconds=time.monotonic() - started,
        )
    return SectionResult(
        section,
        ok=True,
        body=body,
        has_plotly=has_plotly(body),
        stderr_lines=stderr_lines,
        seconds=time.monotonic() - started,
    )


def describe_failure(exc: BaseException) -> str:
    """The cell's exception, short: ``KeyError: 'x' (cell [4])``."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        where = f" (cell [{exc.exec_count}])" if exc.exec_count is not None else ""
        return short_message(f"{exc.ename}: {exc.evalue}") + where
    return short_message(f"{type(exc).__name__}: {exc}")
