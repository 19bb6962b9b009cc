"""Project-wide defaults, kept in one place so code, CLI and docs agree.

``DEFAULT_EDGE_WIDTH`` is the edge width eps of the smoothed quantizer used by the CLI and the
sweeps when none is given (the Python constructors default to the hard quantizer, eps = 0).
It was chosen from the kappa map of the paper's Fig. 2 setting (sigma = 0.01, alpha = 1.5,
lam in {0, 1}); the reasoning and the numbers are in ``docs/default_edge_width.md``.
"""
DEFAULT_EDGE_WIDTH = 0.1
