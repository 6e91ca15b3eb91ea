"""The checks of deploy/check.py, one module per kind of file."""
