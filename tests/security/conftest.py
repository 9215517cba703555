# The browser fixtures of the e2e suite, for the one XSS browser test here.
from tests.e2e.conftest import browse, browser  # noqa: F401
