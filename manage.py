#!/usr/bin/env python
"""Django's command-line utility; ``relata`` is the same with a shorter name."""

from relata.cli import main

if __name__ == "__main__":
    main()
