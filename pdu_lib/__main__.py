"""``python -m pdu_lib``: the same as the ``pdu-report`` command."""

import sys

from pdu_lib.cli import main

sys.exit(main())
