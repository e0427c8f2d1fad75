"""Seeded generator of the synthetic sample data folder (data/sample/).

    python -m pdu_sample --out data/sample --seed 2019

writes every file data/README.md describes, byte-for-byte the same for the
same seed. ``pdu_sample.smwriter`` writes SurveyMonkey exports and can be
used on its own.
"""

from pdu_sample.generate import generate

__all__ = ["generate"]
