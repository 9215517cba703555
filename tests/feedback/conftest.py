import pytest

from tests.conftest import make_person
from tests.feedback.factories import make_circle


@pytest.fixture
def fourth(world):
    return make_person(name="Fay Fourth", email="fourth@example.test", manager=world.manager)


@pytest.fixture
def circle(world, fourth):
    """Manager (facilitator, goes first), employee, peer, fourth."""
    return make_circle(
        facilitator=world.manager, people=[world.employee, world.peer, fourth, world.manager]
    )
