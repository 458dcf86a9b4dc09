"""Pages to articles: text, metadata, charsets, binary content."""

from __future__ import annotations

import gzip

import lxml.html
import pytest
from lxml import etree

from citebrief.errors import ExtractionError
from citebrief.ingest.extract import (
    decode,
    extract_html,
    extract_plain,
    sniff_binary,
    without_layout_tables,
)
from citebrief.ingest.furniture import without_furniture
from tests.conftest import CORPUS, NEWS, article_html, paragraphs


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ('<html lang="en-US">', "en"),
        ("<html lang=it>", "it"),
        ('<html xml:lang="pt_BR">', "pt"),
        ('<html data-lang="fr" lang="de">', "de"),  # not a data- attribute
        ('<html lang="English">', ""),  # a name, not a code
        ('<html lang="und">', ""),
    ],
)
def test_the_language_a_page_declares_is_read_as_one_code(tag: str, language: str) -> None:
    html = article_html("Chips and rules", paragraphs("lang", 5)).replace(
        '<html lang="en">', tag, 1
    )
    assert tag in html
    assert extract_html(html).language == language


def test_extract_html_reads_text_and_metadata() -> None:
    html = article_html(
        "Chips and rules",
        paragraphs("meta", 5),
        date="2026-11-12",
        site="Pacific Ledger",
        canonical="https://pl.example/chips",
    )
    found = extract_html(html)
    assert found.title == "Chips and rules"
    assert found.site_name == "Pacific Ledger"
    assert found.published == "2026-11-12"
    assert found.url == "https://pl.example/chips"
    assert found.language == "en"
    assert found.author == "Ada Writer"
    assert "Home" not in found.text
    assert "All rights reserved" not in found.text


def test_a_declared_url_of_a_picture_is_not_the_pages_url() -> None:
    """An AllSides dev page's canonical link is its thumbnail's (cbsistatic.com/.../x.jpg):
    it declares no URL of its own, and ingest names it by where it was read."""
    picture = "https://cbsnews1.cbsistatic.com/hub/i/r/2021/06/11/4c2b/thumbnail/1280x720/9f62.jpg"
    html = article_html("G7 vaccines", paragraphs("g7", 5), canonical=picture)
    assert extract_html(html, url="https://www.cbsnews.com/news/g7-vaccines/").url == ""
    page = "https://www.cbsnews.com/news/g7-vaccines/"
    assert extract_html(article_html("G7", paragraphs("g7", 5), canonical=page)).url == page


def test_sample_pages_carry_the_sample_marker() -> None:
    page = next((CORPUS / "pages").glob("*.html"))
    assert extract_html(page.read_text(encoding="utf-8")).sample is True


@pytest.mark.parametrize("html", ["", "   ", "<html><body><nav>Home</nav></body></html>"])
def test_extract_html_refuses_pages_without_article(html: str) -> None:
    with pytest.raises(ExtractionError):
        extract_html(html, min_chars=200)


def test_extract_plain_takes_the_markdown_heading_as_title() -> None:
    found = extract_plain("# Heading here\n\n" + "\n\n".join(paragraphs("md", 3)))
    assert found.title == "Heading here"


def test_extract_plain_refuses_a_list_of_short_lines() -> None:
    with pytest.raises(ExtractionError, match="not an article"):
        extract_plain((CORPUS / "topics.txt").read_text(encoding="utf-8"), min_chars=10)


def test_decode_repairs_a_wrong_declared_charset() -> None:
    data = "Le café est prêt — “quoted”".encode("cp1252")
    decoded = decode(data, "utf-8")
    assert "café" in decoded.text
    assert "“quoted”" in decoded.text
    assert "wrong" in decoded.note


def test_decode_uses_meta_charset() -> None:
    html = '<html><head><meta charset="iso-8859-1"></head><body>Résumé</body></html>'
    assert "Résumé" in decode(html.encode("latin-1")).text


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7 ...", "application/pdf"),
        (b"\x89PNG\r\n", "image/png"),
        (b"abc\x00def", "application/octet-stream"),
        (b"<html>", None),
    ],
)
def test_sniff_binary(data: bytes, kind: str | None) -> None:
    assert sniff_binary(data) == kind


TITLE = "13-Inch MacBook Pro With Scissor Keyboard Expected in First Half of 2020"
BODY = "The report claims the display size will remain 13.3 inches, according to DigiTimes."


@pytest.mark.parametrize(
    ("text", "expected"),
    [  # a sidebar's teaser and a kicker above the page's own title are not the article
        (
            f"Night mode is an automatic setting of the iPhone 11.\n{TITLE}\n{BODY}",
            f"{TITLE}\n{BODY}",
        ),
        (f"Review\n{TITLE}\n{BODY}", f"{TITLE}\n{BODY}"),
        (f"{TITLE}\n{BODY}", f"{TITLE}\n{BODY}"),  # the title first: nothing to cut
        # far down the text, a line like the title is no heading: nothing is cut
        (f"{BODY * 8}\n{TITLE}\n{BODY}", f"{BODY * 8}\n{TITLE}\n{BODY}"),
    ],
)
def test_what_stands_above_the_pages_own_title_is_furniture(text: str, expected: str) -> None:
    assert without_furniture(text, TITLE)[0] == expected


def test_a_macrumors_page_loses_the_sidebar_teaser_trafilatura_put_above_its_title() -> None:
    """The shared news page of 18 November 2019: trafilatura's text starts with a "Guides"
    teaser about the iPhone's night mode (favor_precision or not)."""
    name = "232a43fb15abde807427b2a7bf4f772e27b8760554370956d8291df4e8166dbf.html.gz"
    page = NEWS / "html" / name
    extracted = extract_html(gzip.decompress(page.read_bytes()).decode("utf-8"))
    assert extracted.text.startswith(f"{TITLE}\n")
    assert "Night mode" not in extracted.text


def test_a_page_set_in_a_layout_table_gives_its_paragraphs_not_one_table_row() -> None:
    """The Space Review's page of 18 November 2019 (shared news pages) sets the whole article
    in one table cell: the text was "|  | Seeking a bigger role for a big rocket by Jeff Foust
    Monday, November 18, 2019 Earlier this month, NASA announced ..." on a single line."""
    name = "c00962aabe7bdd1fca78f5360ea7fa93cd7674863b05157e00827506a7aa58c4.html.gz"
    page = NEWS / "html" / name
    text = extract_html(gzip.decompress(page.read_bytes()).decode("utf-8")).text
    assert text.startswith("Earlier this month, NASA announced the newest milestone")
    assert "|" not in text
    assert "Jeff Foust" not in text
    assert len(text.split("\n")) > 20  # its paragraphs


LONG = " ".join(f"Sentence {n} of the report says the council met again." for n in range(30))


@pytest.mark.parametrize("declaration", ["", '<?xml version="1.0" encoding="utf-8"?>\n'])
def test_a_layout_table_is_unwrapped_and_a_data_table_kept(declaration: str) -> None:
    """A cell of a thousand characters holds prose; a table of short cells holds data."""
    data = "<table><tr><th>Year</th><th>Seats</th></tr><tr><td>2025</td><td>41</td></tr></table>"
    layout = f"<table><tr><td><p>{LONG}</p><p>{LONG}</p></td><td>Ad</td></tr></table>"
    page = f"{declaration}<html><body>{layout}{data}</body></html>"
    unwrapped = without_layout_tables(page)
    assert "<td><p>" not in unwrapped
    assert "<td>2025</td>" in unwrapped
    assert unwrapped.count("<p>") == 2
    assert without_layout_tables(data) == data
    mixed = page.replace("<td>", "<Td>").replace("</td>", "</Td>")  # tags in any case
    assert "<td><p>" not in without_layout_tables(mixed).lower()


@pytest.mark.parametrize("page", ["<td", "<td>\x00</td>", "<table><tr><td>2025</td></tr></table>"])
def test_a_page_without_a_cell_of_prose_is_left_as_it_is(page: str) -> None:
    assert without_layout_tables(page) == page


def test_a_page_the_parser_refuses_is_left_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    page = f"<html><body><table><tr><td>{LONG}</td></tr></table></body></html>"

    def refuses(html: str) -> None:
        raise etree.ParserError("Document is empty")

    monkeypatch.setattr(lxml.html, "fromstring", refuses)
    assert without_layout_tables(page) == page


def test_a_data_table_inside_a_layout_tables_cell_stays_a_table() -> None:
    data = "<table><tr><th>Party</th><th>Seats</th></tr><tr><td>Labour</td><td>41</td></tr></table>"
    page = f"<html><body><table><tr><td><p>{LONG}</p>{data}</td></tr></table></body></html>"
    unwrapped = without_layout_tables(page)
    assert "<td><p>" not in unwrapped
    assert data in unwrapped


def test_a_cell_long_only_by_its_script_is_no_layout_cell() -> None:
    script = "<script>" + "var a = 1; " * 200 + "</script>"
    page = f"<html><body><table><tr><td>{script}Ad</td><td>41</td></tr></table></body></html>"
    assert without_layout_tables(page) == page
