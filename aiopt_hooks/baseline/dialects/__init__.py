"""Usage-log dialects: one module per dialect, each with `DIALECT`; the table is `registry.py`."""
