import os
import sys

# The slow references live in tests/ (tests/replica/naive_rs.py and friends), imported as the
# package ``tests``; benchmarks compare against them.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
os.environ.setdefault("MPLBACKEND", "Agg")
