from datetime import date
from decimal import Decimal

import pytest
import time_machine

from pay.api import current_base_salary
from pay.models import PayRecord
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def test_current_base_salary_is_none_without_a_pay_history():
    assert current_base_salary(make_person()) is None


@time_machine.travel("2026-06-01 12:00Z")
def test_current_base_salary_is_the_newest_record_in_force_today():
    person = make_person()
    PayRecord.objects.create(
        person=person, effective_date=date(2025, 1, 1), base_salary="70000", currency="EUR"
    )
    PayRecord.objects.create(
        person=person, effective_date=date(2026, 3, 1), base_salary="80000.50", currency="EUR"
    )
    PayRecord.objects.create(
        person=person, effective_date=date(2026, 9, 1), base_salary="90000", currency="EUR"
    )
    amount, currency = current_base_salary(person)
    assert (amount, currency) == (Decimal("80000.50"), "EUR")
    assert isinstance(amount, Decimal)
    assert current_base_salary(person, on=date(2026, 9, 1)) == (Decimal("90000.00"), "EUR")
