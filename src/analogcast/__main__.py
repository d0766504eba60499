"""``python -m analogcast ...``: the same command line as the ``analogcast`` script."""

from analogcast.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
