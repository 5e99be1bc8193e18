"""`python -m tui` runs the same command as `linkdesk`."""

import sys

from tui.cli import main

sys.exit(main())
