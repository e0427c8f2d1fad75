"""Command line: ``python -m pdu_sample --out data/sample --seed 2019 [--scale K]``."""

from __future__ import annotations

import argparse
import sys

from pdu_sample.generate import generate
from pdu_sample.scale import scale_folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pdu_sample", description="(Re)write the synthetic sample data folder.")
    parser.add_argument("--out", default="data/sample", help="the data folder to write (default: data/sample)")
    parser.add_argument("--seed", type=int, default=2019, help="random seed (default: 2019)")
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        metavar="K",
        help="K times the people, bookings and responses, same events and periods (default: 1, the sample)",
    )
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    generate(args.out, seed=args.seed)
    scale_folder(args.out, args.scale)
    times = f", {args.scale} times its size" if args.scale > 1 else ""
    print(f"wrote the sample to {args.out} (seed {args.seed}{times})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
