"""`campusvoice …` and `python -m campusvoice …`: the same program as manage.py."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campusvoice.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["campusvoice", *sys.argv[1:]])
    except ImproperlyConfigured as exc:
        # A settings problem is the operator's to fix: say what, without a traceback.
        sys.stderr.write(f"campusvoice: configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
