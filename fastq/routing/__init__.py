"""Permutation routing across model copies (THEORY section 12; fastq's reading of Kashiwamura
and Leleu's M-cover training).

* :func:`route` -- one run of M routed copies (perceptron rules, committee machines, MLPs);
* :func:`route_compare` -- routed copies against independent copies, elastic coupling and one
  model with all the samples, on the same seeds;
* :func:`routing_study` -- the grid copies x kernel x p x alpha x seeds with the baselines;
* :func:`hebb_overlap` -- closed forms of online Hebb learning (real, binary, b-bit weights);
* :func:`make_routing_setup` / :class:`RoutingSetup` -- the validated setting.

See docs/routing.md.
"""
from .single import RoutingResult, route
from .spec import RoutingSetup, make_routing_setup
from .study import RoutingComparisonResult, RoutingStudyResult, route_compare, routing_study
from .theory import hebb_eg, hebb_overlap

__all__ = ["route", "RoutingResult", "RoutingSetup", "make_routing_setup", "route_compare",
           "RoutingComparisonResult", "routing_study", "RoutingStudyResult", "hebb_overlap", "hebb_eg"]
