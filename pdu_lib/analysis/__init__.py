"""Pure computation over the Dataset: metrics, the headline figures, quality checks and theme counts."""
