#!/usr/bin/env python
from campusvoice.__main__ import main

if __name__ == "__main__":
    main()
