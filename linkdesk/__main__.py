"""`python -m linkdesk` runs the same command as `linkdesk`."""

import sys

from linkdesk.cli import main

sys.exit(main())
