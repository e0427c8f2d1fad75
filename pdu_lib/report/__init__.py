"""Rendering reports: executing notebooks, exporting HTML and publishing the pages."""
