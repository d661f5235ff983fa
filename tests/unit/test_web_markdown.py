"""Notes as Markdown on the web page (app.web.markdown): raw HTML and script links come out
as text, images are never loaded, and a search snippet keeps its highlights."""

from __future__ import annotations

from app.web.markdown import render_note, render_preview, render_snippet


def test_markdown_renders_and_raw_html_is_text() -> None:
    out = str(render_note("# Recap\n\n**Meg** <b onclick=x>hi</b> [a](javascript:alert(1))"))
    assert out.startswith("<h1>Recap</h1>")
    assert "<strong>Meg</strong>" in out
    assert "&lt;b onclick=x&gt;hi&lt;/b&gt;" in out and "<b " not in out
    assert "href" not in out  # a javascript: link stays text


def test_an_image_is_a_link_on_the_note_and_text_in_a_list() -> None:
    note = str(render_note('![chart "q3"](https://img.example/a.png)'))
    assert note == '<p><a href="https://img.example/a.png">chart &quot;q3&quot;</a></p>\n'
    assert "<img" not in note
    preview = str(
        render_preview("![chart](https://img.example/a.png) see [terms](https://t.example)")
    )
    assert preview == "<p>chart see [terms](https://t.example)</p>\n"  # no link inside a link


def test_a_snippet_keeps_its_marks_and_nothing_else() -> None:
    snippet = "**<mark>purse</mark> strings** &lt;i&gt;x&lt;/i&gt; &amp; \ue000y\ue001"
    out = str(render_snippet(snippet))
    assert out == (
        "<p><strong><mark>purse</mark> strings</strong> &lt;i&gt;x&lt;/i&gt; &amp; y</p>\n"
    )
