"""`python -m campusvoice.conversations.classifier classify|train|eval`: the classifier without Django."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
