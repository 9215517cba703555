from django.urls import reverse

from tests.matrix import case

CASES = {
    "keeper:index": case(lambda w, x: reverse("keeper:index")),
}
