"""Money follows the reader's language: its grouping, its decimal conventions and where the
currency's symbol goes (pay.maths.format_money, through Babel), in whole units everywhere."""

from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from pay.maths import _money_format, format_money
from pay.templatetags.pay_tags import money, signed_gap
from tests.pay.conftest import make_pay

NBSP, NNBSP = "\xa0", "\u202f"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en-gb", "£93,500"),
        ("fr", f"93{NNBSP}500{NBSP}£GB"),
        ("de", f"93.500{NBSP}£"),
        ("ja", "£93,500"),
    ],
)
def test_money_is_written_as_the_readers_language_writes_it(language, expected):
    with translation.override(language):
        assert format_money(Decimal("93500.40"), "GBP") == expected
        assert money(Decimal("93500.40"), "GBP") == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en-gb", "€1,234,567"),
        ("fr", f"1{NNBSP}234{NNBSP}567{NBSP}€"),
        ("de", f"1.234.567{NBSP}€"),
        ("ja", "€1,234,567"),
    ],
)
def test_grouping_and_whole_units_in_each_language(language, expected):
    with translation.override(language):
        # Rounded half up to whole units: no decimals in any language.
        assert format_money(Decimal("1234566.50"), "EUR") == expected


def test_arabic_follows_its_own_conventions():
    with translation.override("ar"):
        text = format_money(Decimal("93500"), "GBP")
    assert "93" in text and "500" in text and "." not in text
    assert text != "£93,500"  # the symbol and its place are Arabic's, not English's


def test_a_gap_reads_in_the_language_too():
    with translation.override("de"):
        assert signed_gap(Decimal("12000"), "EUR").startswith(f"12.000{NBSP}€")


def test_an_unknown_language_falls_back_to_the_companys():
    assert _money_format("xx")[0] == _money_format("en-gb")[0]


def test_the_locale_is_parsed_once_per_language():
    _money_format.cache_clear()
    with translation.override("fr"):
        format_money(1, "EUR")
        format_money(2, "EUR")
    assert _money_format.cache_info().misses == 1
    assert _money_format.cache_info().hits == 1


@pytest.mark.django_db
def test_a_french_reader_sees_their_pay_in_french(world, client_for, market):
    world.employee.language = "fr"
    world.employee.save(update_fields=["language"])
    with time_machine.travel("2026-06-15 10:00Z", tick=False):
        make_pay(world.employee, "65000", reason="Joined")
        body = client_for(world.employee).get(reverse("pay:index")).content.decode()
    assert f"65{NNBSP}000{NBSP}€" in body
    assert "€65,000" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "de", "ja", "ar"])
def test_every_pay_page_renders_for_a_reader_of_each_language(world, client_for, market, language):
    for person in (world.manager, world.people_admin):
        person.language = language
        person.save(update_fields=["language"])
    with time_machine.travel("2026-06-15 10:00Z", tick=False):
        make_pay(world.employee, "77500")
        manager, admin = client_for(world.manager), client_for(world.people_admin)
        pages = [
            manager.get(reverse("pay:team")),
            manager.get(reverse("pay:person", args=[world.employee.pk])),
            manager.get(reverse("pay:propose", args=[world.employee.pk])),
            admin.get(reverse("pay:overview")),
            admin.get(reverse("pay:policy")),
            admin.get(reverse("pay:market")),
        ]
    assert [p.status_code for p in pages] == [200] * len(pages)
    with translation.override(language):
        expected = format_money(Decimal("77500"), "EUR")
    assert expected in pages[1].content.decode()
