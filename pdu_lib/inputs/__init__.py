"""Reading the raw inputs: tables, loaders and the Dataset of one report period."""
