"""Executing section notebooks with papermill, on the interpreter that runs the render, several at a time.

A render keeps ``jobs`` kernels (a :class:`KernelPool`) and runs one section
after another in each: starting a kernel and importing ``pdu_lib`` cost more
than most sections. Each section starts with a cell that empties the kernel
(its variables and outputs deleted, open figures closed, the cell count back to 1), so a
section sees nothing of the one before it; a kernel whose section failed is
shut down and replaced by a fresh one.
"""

import contextlib
import os
import queue
import re
import signal
import sys
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

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


#: Kernel managers of this process, so that an interrupt can stop their kernels at once.
_KERNEL_MANAGERS: "weakref.WeakSet" = weakref.WeakSet()


def stop_kernels() -> int:
    """Kill every running section kernel of this process (its whole process group); the number stopped.

    Called on Ctrl-C or SIGTERM: a kernel runs in its own session, so the
    terminal's signal never reaches it, and waiting for each section to finish
    could take minutes.
    """
    stopped = 0
    for manager in list(_KERNEL_MANAGERS):
        process = getattr(getattr(manager, "provisioner", None), "process", None)
        if process is None or process.poll() is not None:
            continue
        try:
            os.killpg(os.getpgid(process.pid), signal.SIGKILL)
        except (OSError, AttributeError):
            try:
                process.kill()
            except OSError:
                continue
        stopped += 1
    return stopped


def _kernel_manager_class(runtime_dir: Path | None = None):  # noqa: C901 (replaced by the public-API engine, issue 21)
    import asyncio
    import time as clock
    from queue import Empty

    import zmq
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class PromptKernelClient(AsyncKernelClient):
        """jupyter_client's client, ready as soon as the kernel answers on both channels.

        jupyter_client's ``wait_for_ready`` ends by waiting for 0.2 s of
        silence on IOPub; every section's new client paid it. Those leftover
        messages answer the readiness request, and nbclient reads only the
        messages of its own requests, so they need no waiting for.
        """

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = clock.monotonic() + (timeout if timeout is not None else float("inf"))
            while True:
                self.kernel_info()
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                except Empty:  # no answer within a second: ask again
                    reply = None
                if reply is not None and reply["msg_type"] == "kernel_info_reply":
                    try:
                        await self.iopub_channel.get_msg(timeout=0.2)  # IOPub connected: the request's status arrived
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(reply)
                        return
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if clock.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
                await asyncio.sleep(0)

    class ThisInterpreterKernelManager(AsyncKernelManager):
        """Runs notebooks on the interpreter that runs the render.

        A kernel found by name ("python3") can be another Python: a user-wide
        kernelspec in ~/.local/share/jupyter wins over the venv's own, and a
        fresh venv may have none. The renderer's interpreter has the pinned
        packages, so the kernel uses it (ipykernel's own spec, sys.executable).
        """

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            _KERNEL_MANAGERS.add(self)
            self._last_client = None

        def client(self, **kwargs):
            # A kernel kept for the next section gets a new client per section: the
            # previous one is done, and its channels would otherwise keep receiving every output.
            self.close_client()
            self._last_client = super().client(**kwargs)
            return self._last_client

        def close_client(self) -> None:
            if self._last_client is not None:
                with contextlib.suppress(Exception):  # already stopped, or the kernel is gone
                    self._last_client.stop_channels()
                self._last_client = None

        @default("client_factory")
        def _client_factory_default(self):
            return PromptKernelClient

        @default("connection_file")
        def _connection_file_default(self):
            # Beside the render's staging, not in $TMPDIR: the next render removes what a killed one left.
            return str(runtime_dir / f"kernel-{uuid.uuid4().hex}.json") if runtime_dir is not None else ""

        @default("transport_encryption")
        def _transport_encryption_default(self):
            # Encrypt the local TCP channels when pyzmq can (ipykernel warns otherwise).
            return "auto" if zmq.has("curve") else "disabled"

        @property
        def kernel_spec(self):
            if self._kernel_spec is None:
                from ipykernel.kernelspec import RESOURCES, get_kernel_dict

                spec = get_kernel_dict()
                spec["env"] = kernel_env()
                self._kernel_spec = KernelSpec(resource_dir=RESOURCES, **spec)
            return self._kernel_spec

    return ThisInterpreterKernelManager


class KernelPool:
    """Kernels kept between sections: a section takes an idle one (or a new one) and gives it back.

    Used as a context manager, it shuts every kernel down at the end. The pool
    holds at most as many kernels as sections run at once. A kernel is started
    by the first section that uses it (papermill starts it, in that section's
    working folder).
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
            manager = _kernel_manager_class(self.runtime_dir)()
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


def _shutdown(manager) -> None:
    from jupyter_client.utils import run_sync

    manager.close_client()
    try:
        if manager.has_kernel:
            run_sync(manager.shutdown_kernel)(now=True)
        run_sync(manager.cleanup_resources)()
    except Exception:  # a kernel already dead: kill what is left of it
        process = getattr(getattr(manager, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            process.kill()


#: The first cell of every section run in a kept kernel (tagged ``remove-cell``: never in the HTML).
KERNEL_RESET_SOURCE = """\
# Added by the render: kernels are kept from one section to the next, so each section starts with an empty one:
# its variables, outputs, extensions and figures go (as with %reset -f, without its slow garbage collection).
def _pdu_empty_kernel(shell):
    import matplotlib.pyplot

    for name in [name for name in shell.user_ns if name not in shell.user_ns_hidden and not name.startswith("__")]:
        del shell.user_ns[name]
    shell.user_ns["Out"].clear()
    shell.extension_manager.loaded.clear()  # so that %load_ext loads (quietly) again, as in a new kernel
    matplotlib.pyplot.close("all")
    shell.execution_count = 1


_pdu_empty_kernel(get_ipython())"""


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
    import nbformat
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
        start_timeout=120,
        execution_timeout=timeout,
        kernel_manager_class=_kernel_manager_class(runtime_dir),
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
    from tqdm import tqdm

    stream = sys.stderr if stream is None else stream
    running: list[str] = []
    lock = threading.Lock()
    bar = tqdm(total=len(sections), desc=desc or "render", unit="section", file=stream, dynamic_ncols=True)

    def show() -> None:
        bar.set_postfix_str(("running: " + ", ".join(running)) if running else "", refresh=True)

    def one(index: int, section: Section) -> SectionResult:
        with lock:
            running.append(section.key)
            show()
        try:
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
        finally:
            with lock:
                running.remove(section.key)
                bar.update(1)
                show()

    results: dict[str, SectionResult] = {}
    threads = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="pdu-section")
    try:
        futures = {threads.submit(one, index, section): section for index, section in enumerate(sections)}
        for future in as_completed(futures):
            section = futures[future]
            results[section.key] = future.result()
    except BaseException:
        threads.shutdown(wait=False, cancel_futures=True)
        stop_kernels()
        raise
    else:
        threads.shutdown(wait=True)
    finally:
        bar.close()
    return [results[section.key] for section in sections]


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
