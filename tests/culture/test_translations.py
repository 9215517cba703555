"""Issue 25: every user-facing string is marked for translation, every shipped catalogue is
complete and current, and every page renders in every language.

- The marking checks (culture/i18n_check.py) find English outside translate tags in the
  templates and unmarked literals where Python strings reach people.
- The catalogue checks read each locale/<lang>/LC_MESSAGES/*.po: no entry untranslated or
  fuzzy, the compiled .mo matches it, and the msgids are exactly what `makemessages` extracts
  from the code now (run in a copy of the tree, so the real catalogues are not touched).
- The page walk renders every GET page of the authorization matrix in each language, as a
  persona allowed to see it: no error, the same status as in English, and the main navigation
  without its English words.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.db import transaction

from culture import i18n_check
from tests.conftest import PERSONAS, build_world
from tests.matrix import all_cases

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
SHIPPED = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
DOMAINS = ("django", "djangojs")
# What `make messages` passes to makemessages (the Makefile reads it from here).
IGNORE = ["*/.venv/*", ".venv/*", "tests/*", "bench/*", "load/*", "staticfiles/*", "var/*"]


def test_every_template_string_is_marked_for_translation():
    found = i18n_check.template_findings()
    assert not found, f"{len(found)} untranslated template strings:\n" + "\n".join(
        map(str, found[:80])
    )


def test_every_user_facing_python_string_is_marked_for_translation():
    found = i18n_check.python_findings()
    assert not found, f"{len(found)} unmarked strings:\n" + "\n".join(map(str, found[:80]))


def test_the_checks_find_what_they_look_for(tmp_path):
    """The marking checks fail on the mistakes they exist for (a check that cannot fail is
    no check)."""
    (tmp_path / "page.html").write_text(
        '{% load i18n %}<p>{% translate "Fine" %}</p><p title="Save it">Not marked</p>'
        "{% blocktranslate %}Also fine{% endblocktranslate %}<code>curl -X</code>"
    )
    found = i18n_check.template_findings(tmp_path)
    assert [f.text for f in found] == ["Save it", "Not marked"]
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text(
        "from django.contrib import messages\n"
        "from django.utils.translation import gettext as _\n"
        "def v(request, n):\n"
        '    messages.success(request, "Saved it.")\n'
        '    messages.success(request, _("Marked."))\n'
        '    raise ValidationError(f"{n} is too many people")\n'
        'LABEL = forms.CharField(label="Your name")\n'
        'KEPT = forms.CharField(label="Slack")\n'
        'NOTE = forms.CharField(help_text="Machine text")  # i18n: not translated (a test)\n'
    )
    found = i18n_check.python_findings(tmp_path, ("app",))
    assert sorted(f.line for f in found) == [4, 6, 7]


def _catalogue(lang: str, domain: str):
    path = LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"{path} is missing: run `make messages`"
    with path.open("rb") as f:
        return path, read_po(f, locale=lang.replace("-", "_"))


@pytest.mark.parametrize("lang", SHIPPED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_each_shipped_catalogue_is_complete(lang, domain, tmp_path):
    path, catalog = _catalogue(lang, domain)
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not untranslated, (
        f"{lang} {domain}: {len(untranslated)} untranslated: {untranslated[:20]}"
    )
    assert not fuzzy, f"{lang} {domain}: {len(fuzzy)} fuzzy: {fuzzy[:20]}"
    # The compiled catalogue is this one (msgfmt is deterministic).
    compiled = tmp_path / "check.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(path)], check=True)
    assert compiled.read_bytes() == path.with_suffix(".mo").read_bytes(), (
        f"{path.with_suffix('.mo')} is stale: run `make messages`"
    )


def _msgids(path: Path) -> set:
    # A catalogue makemessages has just made for no language says nplurals=INTEGER.
    text = path.read_bytes().replace(
        b"nplurals=INTEGER; plural=EXPRESSION;", b"nplurals=2; plural=(n != 1);"
    )
    catalog = read_po(io.BytesIO(text))
    return {(m.id, m.context) for m in catalog if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """makemessages run on a copy of the code, into a throwaway language."""
    copy = tmp_path_factory.mktemp("tree") / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "node_modules",
            "staticfiles",
            "var",
            "test-results",
            "docs",
            "bench",
            "load",
            "tests",
        ),
    )
    shutil.rmtree(copy / "locale")
    (copy / "locale").mkdir()
    for domain in DOMAINS:
        extra = (
            ["-e", "js", "-i", "static/vendor/*"] if domain == "djangojs" else ["-e", "html,txt,py"]
        )
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                "-l",
                "zz",
                "-d",
                domain,
                "--no-location",
                *extra,
            ]
            + [f"--ignore={pattern}" for pattern in IGNORE],
            cwd=copy,
            check=True,
            capture_output=True,
        )
    return copy / "locale" / "zz" / "LC_MESSAGES"


@pytest.mark.parametrize("lang", SHIPPED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_each_catalogue_holds_exactly_the_strings_in_the_code(lang, domain, extracted):
    path, _ = _catalogue(lang, domain)
    now, shipped = _msgids(extracted / f"{domain}.po"), _msgids(path)
    missing, stale = sorted(now - shipped, key=str), sorted(shipped - now, key=str)
    assert not missing and not stale, (
        f"{path} is out of date (run `make messages`): {len(missing)} new strings, e.g. "
        f"{missing[:10]}; {len(stale)} no longer in the code, e.g. {stale[:10]}"
    )


# --- Every page in every language -----------------------------------------------------------

NAV = re.compile(r'<nav class="main-nav".*?</nav>', re.S)
ENGLISH_NAV = re.compile(r">\s*(Home|Circles|Keeper|Decisions|Pay|People)\s*<")
PREFERRED = ["people_admin", "manager", "skip_level", "employee", "peer", "other_manager"]


def _pages():
    """(name, case, persona): each GET page of the matrix, as the first persona it lets in."""
    for name, case in sorted(all_cases().items()):
        if case.method != "get":
            continue
        persona = next((p for p in PREFERRED if case.expected(p) == 200), None)
        if persona is None and case.expected("anonymous") == 200:
            persona = "anonymous"
        if persona is not None:
            yield name, case, persona


@pytest.mark.django_db
@pytest.mark.parametrize("lang", SHIPPED)
def test_every_page_renders_in_each_language_without_the_english_navigation(lang, client_for):
    world = build_world()
    failures = []
    pages = 0
    for name, case, persona in _pages():
        # Each page's objects are rolled back after it: two pages' setups may make the same.
        with transaction.atomic():
            extra = case.setup(world) if case.setup else {}
            person = world.persona(persona) if persona in PERSONAS[1:-1] else None
            client = client_for(person)
            url = case.url(world, extra)
            headers = {**case.headers, "accept-language": lang}
            data = case.data(world, extra) if case.data else None
            response = client.get(url, data=data, headers=headers)
            transaction.set_rollback(True)
        pages += 1
        if response.status_code != 200:
            failures.append(f"{name}: {response.status_code}")
            continue
        if response.get("Content-Type", "").startswith("text/html") and not url.startswith("/api/"):
            if response.get("Content-Language") != lang:
                failures.append(f"{name}: Content-Language {response.get('Content-Language')}")
            nav = NAV.search(response.text)
            if nav and ENGLISH_NAV.search(nav.group(0)):
                failures.append(f"{name}: English navigation {ENGLISH_NAV.findall(nav.group(0))}")
    assert pages > 100
    assert not failures, f"{lang}: " + "; ".join(failures)


@pytest.mark.parametrize("lang", SHIPPED)
def test_the_bell_names_its_count_as_a_word_in_every_language(lang):
    """The bell's accessible name holds the badge's number as a word of its own, for every
    plural form of the language, as axe's label-content-name-mismatch reads it: normalised
    (NFKD, so "（" is "("), with what is in brackets dropped. "通知（未読3件）" failed it."""
    import unicodedata

    from django.template import engines
    from django.utils import translation

    bell = engines["django"].from_string(
        "{% load i18n %}{% blocktranslate count n=n %}Notifications, {{ n }} unread"
        "{% plural %}Notifications, {{ n }} unread{% endblocktranslate %}"
    )
    with translation.override(lang):
        for n in (1, 2, 3, 5, 11, 21, 100, 101):
            label = bell.render({"n": n})
            label = unicodedata.normalize("NFKD", label)
            while (shorter := re.sub(r"\([^()]*\)", "", label)) != label:
                label = shorter
            assert re.search(rf"(^|[\s(（:،,]){n}($|[\s)）,.،])", label), (lang, n, label)
