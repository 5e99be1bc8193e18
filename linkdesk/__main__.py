"""`python -m linkdesk` runs the same command as `linkdesk`."""

import sys

from linkdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
