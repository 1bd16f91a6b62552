# The shim's unit tests (see support.py); a package so that
# `python3 -m unittest discover -s tests/arcade/shim -t .` can import them.
