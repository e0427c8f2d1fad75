"""How fast the prepared dataset's snapshot opens, against a pickle of the same Dataset: prints times and their ratio.

    .venv/bin/python scripts/snapshot_speed.py [--data DIR] [--report final] [--repeat 50]

The snapshot (``pdu_lib.report.snapshot_format``: JSON and Arrow IPC, checked
by its SHA-256) replaced a pickle, which runs code when it is read. Both are
read from bytes already in memory, the best of ``--repeat`` runs, so the
figure is the decoding alone; the machine is shared, so read the ratio.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best_of(repeat: int, function) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    from pdu_lib import config
    from pdu_lib.inputs.dataset import load_dataset
    from pdu_lib.report import snapshot_format

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=config.SAMPLE_DATA_DIR)
    parser.add_argument("--report", default="final")
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    dataset = load_dataset(args.data, args.report)
    snapshot = snapshot_format.dumps(dataset)
    pickled = pickle.dumps(dataset, protocol=pickle.HIGHEST_PROTOCOL)
    new = best_of(args.repeat, lambda: snapshot_format.loads(snapshot))
    old = best_of(args.repeat, lambda: pickle.loads(pickled))  # the baseline being replaced: our own bytes
    print(f"snapshot: {len(snapshot) / 1e6:.2f} MB, opens in {new * 1000:.1f} ms")
    print(f"pickle:   {len(pickled) / 1e6:.2f} MB, opens in {old * 1000:.1f} ms")
    print(f"ratio snapshot/pickle: {new / old:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
