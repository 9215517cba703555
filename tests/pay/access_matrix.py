from django.urls import reverse

from tests.matrix import case

CASES = {
    "pay:index": case(lambda w, x: reverse("pay:index")),
}
