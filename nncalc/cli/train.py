"""`nncalc train`, `evaluate`, `predict` and `data` (see the trainer issue); registered by import."""
