"""``python -m api.cli`` is the levelpath command line, for scripts that cannot rely on the entry point."""

from api.cli import main

main()
