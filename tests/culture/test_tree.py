"""The reporting-tree queries every practice relies on."""

import pytest

from culture.models import Person
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def test_direct_reports_are_only_the_first_level(world):
    reports = set(Person.objects.direct_reports_of(world.manager))
    assert reports == {world.employee, world.peer, world.inactive}
    assert set(Person.objects.active().direct_reports_of(world.manager)) == {
        world.employee,
        world.peer,
    }


def test_everyone_under_a_director_comes_back_in_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        under = set(Person.objects.under(world.skip_level))
    assert under == {world.manager, world.employee, world.peer, world.inactive}
    assert world.outsider not in under


def test_everyone_under_the_ceo_is_the_whole_company_but_the_ceo(world):
    assert Person.objects.under(world.ceo).count() == Person.objects.count() - 1


def test_a_deep_tree_is_still_one_query(db, django_assert_num_queries):
    top = boss = make_person(name="Top")
    for depth in range(60):
        boss = make_person(name=f"Level {depth}", manager=boss)
    with django_assert_num_queries(1):
        assert Person.objects.under(top).count() == 60


def test_chain_above_is_nearest_manager_first_in_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        chain = Person.objects.chain_above(world.employee)
    assert chain == [world.manager, world.skip_level, world.ceo]
    assert Person.objects.chain_above(world.ceo) == []


def test_is_above_follows_the_whole_chain_and_nothing_else(world):
    assert world.manager.is_above(world.employee)
    assert world.skip_level.is_above(world.employee)
    assert world.ceo.is_above(world.outsider)
    assert not world.employee.is_above(world.manager)
    assert not world.peer.is_above(world.employee)
    assert not world.other_manager.is_above(world.employee)
    assert not world.employee.is_above(world.employee)


def test_a_reporting_line_change_is_seen_immediately(world):
    assert world.manager.is_above(world.peer)
    Person.objects.filter(pk=world.peer.pk).update(manager=world.other_manager)
    assert not world.manager.is_above(world.peer)
    assert world.other_manager.is_above(world.peer)


def test_roles_are_derived_from_the_tree(world):
    assert world.manager.has_reports()
    assert not world.employee.has_reports()
    assert world.skip_level.manages_managers()
    assert not world.manager.manages_managers()


def test_nobody_can_be_their_own_manager(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=world.employee.pk).update(manager=world.employee)


def test_under_by_level_finds_the_same_people_as_under_in_one_query(
    world, django_assert_num_queries
):
    top = boss = make_person(name="Top")
    for depth in range(60):
        boss = make_person(name=f"Level {depth}", manager=boss)
    for person in (world.skip_level, world.manager, world.ceo, world.employee, top):
        with django_assert_num_queries(1):
            by_level = set(Person.objects.under_by_level(person))
        assert by_level == set(Person.objects.under(person))
    assert len(by_level) == 60


def test_has_more_under_than_counts_the_whole_subtree_in_one_query(
    world, django_assert_num_queries
):
    top = boss = make_person(name="Top")
    for depth in range(60):  # a deep chain: found level by level
        boss = make_person(name=f"Level {depth}", manager=boss)
    for person in (world.skip_level, world.manager, world.ceo, world.employee, top):
        n = Person.objects.under(person).count()
        with django_assert_num_queries(1):
            assert not Person.objects.has_more_under_than(person, n)
        if n:
            assert Person.objects.has_more_under_than(person, n - 1)
    assert not Person.objects.has_more_under_than(world.employee, 0)
    assert Person.objects.has_more_under_than(top, 59)


@pytest.mark.parametrize("limit", [1, 1000])  # the recursive plan, and level by level
def test_subtree_chooses_its_plan_in_one_query_and_finds_the_same_people_as_under(
    world, monkeypatch, django_assert_num_queries, limit
):
    from culture import models

    monkeypatch.setattr(models, "SUBTREE_BY_LEVEL_LIMIT", limit)
    for person in (world.skip_level, world.manager, world.ceo, world.employee):
        with django_assert_num_queries(1):  # how many are below: the plan
            subtree = Person.objects.subtree(person)
        with django_assert_num_queries(1):
            found = set(subtree)
        assert found == set(Person.objects.under(person))
