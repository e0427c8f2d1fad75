"""Rendering reports: executing notebooks, exporting HTML and publishing the pages."""

import sys

# nbformat imports jsonschema, whose format checker imports rfc3987_syntax when it is installed (JupyterLab's
# extra brings it): that compiles 38 lark grammars, 1 to 3 s of every render's start-up (python-jsonschema/jsonschema
# issue 1428). nbformat's schema checks no IRI, so this process does without that checker. Only when nobody imported it yet.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
