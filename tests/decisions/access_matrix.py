from django.urls import reverse

from tests.matrix import case

CASES = {
    "decisions:index": case(lambda w, x: reverse("decisions:index")),
}
