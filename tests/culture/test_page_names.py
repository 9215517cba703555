"""One name for one page (issue 24): a link in the header (the account menu, the footer) says
the name the page it opens gives itself, in its heading and its title."""

from __future__ import annotations

import re

from django.urls import reverse


def _menu(body: str) -> list[tuple[str, str]]:
    menu = body.split('<div class="menu">', 1)[1].split("</div>", 1)[0]
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', menu)


def test_each_account_menu_link_opens_a_page_of_that_name(world, client_for):
    client = client_for(world.people_admin)
    links = _menu(client.get(reverse("home")).content.decode())
    assert len(links) >= 8
    for href, label in links:
        if label == "My profile":  # the page is the person's own, named by their name
            continue
        page = client.get(href)
        assert page.status_code == 200, href
        body = page.content.decode()
        assert re.search(rf"<h1[^>]*>\s*{re.escape(label)}\s*</h1>", body), (label, href)
        assert f"<title>{label} · Culture</title>" in body, (label, href)


def test_the_footer_names_the_culture_page_as_the_menu_does(world, client_for):
    body = client_for(world.employee).get(reverse("culture_page")).content.decode()
    footer = body.split('<footer class="site-footer">', 1)[1]
    assert f'<a href="{reverse("culture_page")}">Our culture</a>' in footer
    assert "<h1>Our culture</h1>" in body
