from django.utils.safestring import SafeString

from culture.markdown import _render, render_markdown


def test_a_text_is_rendered_once_per_process_and_the_same_each_time():
    text = "# Plan\n\nShip the *new* importer <script>alert(1)</script> unique-7f3a"
    before = _render.cache_info()
    first = render_markdown(text)
    second = render_markdown(text)
    after = _render.cache_info()
    assert after.misses == before.misses + 1 and after.hits == before.hits + 1
    assert isinstance(second, SafeString) and first == second
    assert "<em>new</em>" in first and "<script>" not in first
    assert render_markdown(text + " changed") != first
    assert render_markdown(None) == "" and render_markdown("") == ""
