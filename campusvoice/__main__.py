"""`campusvoice …` and `python -m campusvoice …`: the same program as manage.py."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campusvoice.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["campusvoice", *sys.argv[1:]])


if __name__ == "__main__":
    main()
