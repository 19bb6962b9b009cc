"""The ten figures of Kashiwamura, Sakata & Imaizumi (2024), one module each (``fig01`` .. ``fig10``).

Figures 4, 7, 8 share :mod:`._eg_omega` and Figures 5, 9 share :mod:`._eg_alpha`.
"""
from . import fig01, fig02, fig03, fig04, fig05, fig06, fig07, fig08, fig09, fig10

FIGURES = {m.__name__.rsplit(".", 1)[1]: m.make
           for m in (fig01, fig02, fig03, fig04, fig05, fig06, fig07, fig08, fig09, fig10)}
