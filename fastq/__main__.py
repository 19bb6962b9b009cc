"""``python -m fastq``: the command line (same as the ``fastq`` script)."""
import sys

from .cli import main

sys.exit(main())
