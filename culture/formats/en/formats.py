"""English without a region uses the same forms as en-gb (the product's language today)."""

from culture.formats.en_GB.formats import *  # noqa: F403
