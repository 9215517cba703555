"""The status pill of a comparison (team table, overview table, person page)."""

from decimal import Decimal

import pytest

from pay.comparison import Comparison
from pay.templatetags.pay_tags import status_pill


@pytest.mark.parametrize(
    "status,gap,html",
    [
        ("no_pay", None, '<span class="pill">no pay recorded</span>'),
        ("no_benchmark", None, '<span class="pill warn">no matching benchmark</span>'),
        ("cannot_compare", None, '<span class="pill warn">cannot compare</span>'),
        ("ok", Decimal("1200"), '<span class="pill warn">below target</span>'),
        ("ok", Decimal("0"), '<span class="pill good">at or above target</span>'),
        ("ok", Decimal("-500"), '<span class="pill good">at or above target</span>'),
        ("ok", None, '<span class="pill good">at or above target</span>'),
    ],
)
def test_each_status_has_its_pill(status, gap, html):
    assert status_pill(Comparison(person=None, status=status, gap=gap)) == html
