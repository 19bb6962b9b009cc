"""Shared timing helper for the benchmark suites (ratios measured side by side)."""
import time


def best_of(fn, repeat: int = 5) -> float:
    """Shortest wall time of ``repeat`` calls of ``fn`` (the least disturbed by other load)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best
