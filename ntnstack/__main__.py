import sys

from ntnstack.cli import main

sys.exit(main())
