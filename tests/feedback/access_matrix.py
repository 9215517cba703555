from django.urls import reverse

from tests.matrix import case

CASES = {
    "feedback:index": case(lambda w, x: reverse("feedback:index")),
}
