"""Command line: ``python -m pdu_sample --out data/sample --seed 2019``."""

from __future__ import annotations

import argparse
import sys

from pdu_sample.generate import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pdu_sample", description="(Re)write the synthetic sample data folder.")
    parser.add_argument("--out", default="data/sample", help="the data folder to write (default: data/sample)")
    parser.add_argument("--seed", type=int, default=2019, help="random seed (default: 2019)")
    args = parser.parse_args(argv)
    generate(args.out, seed=args.seed)
    print(f"wrote the sample to {args.out} (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
