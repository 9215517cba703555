# The browser fixtures (`browser`, `browse`) are shared from tests/conftest.py.
