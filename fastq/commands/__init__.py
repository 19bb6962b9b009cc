"""Subcommands of the ``fastq`` CLI, one module each (auto-discovered by :mod:`fastq.cli`)."""
