"""Permutation routing across model copies (THEORY section 12; fastq's reading of Kashiwamura
and Leleu's M-cover training).

* :func:`route` -- one run of M routed copies (perceptron rules, committee machines, MLPs);
* :func:`make_routing_setup` / :class:`RoutingSetup` -- the validated setting.

See docs/routing.md.
"""
from .single import RoutingResult, route
from .spec import RoutingSetup, make_routing_setup

__all__ = ["route", "RoutingResult", "RoutingSetup", "make_routing_setup"]
