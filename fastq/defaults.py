"""Project-wide defaults, kept in one place so code, CLI and docs agree.

``DEFAULT_EDGE_WIDTH`` is the edge width eps of the smoothed quantizer used by the CLI and the
sweeps when none is given (the Python constructors default to the hard quantizer, eps = 0).
How it was chosen is documented in ``docs/theory.md`` (section "Choosing the default edge width").
"""
DEFAULT_EDGE_WIDTH = 0.05
