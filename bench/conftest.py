import os
import sys

# The slow references live in tests/ (tests/naive.py and friends); benchmarks compare against them.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
os.environ.setdefault("MPLBACKEND", "Agg")
