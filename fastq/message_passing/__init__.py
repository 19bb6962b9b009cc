"""Approximate message passing (AMP/GAMP) for quantized ridge regression on instances.

The package is named ``message_passing`` so that ``fastq.amp`` is always the function.

* :func:`amp`, :func:`amp_batched` -- one instance, one or K runs (module ``solver``; kernel
  ``_kernel._amp``, products with X in ``_products``);
* :func:`amp_study` -- many independent instances in parallel (module ``study``).
"""
from .solver import AMPResult, amp, amp_batched, training_loss
from .study import AMPStudyResult, amp_study

__all__ = ["AMPResult", "AMPStudyResult", "amp", "amp_batched", "amp_study", "training_loss"]
