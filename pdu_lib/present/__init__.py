"""Turning numbers into what readers see: wording rules, prose, tables, charts and quotes."""
