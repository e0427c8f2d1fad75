"""The PDU evaluation workbook: loaders, metrics, wording and the renderer of its reports.

Layers, each importing only those below it (``tests/test_architecture.py`` holds
the contract): ``inputs`` -> ``analysis`` -> ``present`` -> ``report`` -> ``cli``.
See ARCHITECTURE.md.
"""

__version__ = "0.2.0"
