import os

# Headless plotting in tests.
os.environ.setdefault("MPLBACKEND", "Agg")
