"""SOURCE arguments to items: files, folders, lists, URLs."""

from __future__ import annotations

from pathlib import Path

from citebrief.ingest.sources import read_source_list, resolve
from tests.conftest import CORPUS


def test_sample_sources_list_names_every_page() -> None:
    listed = read_source_list(CORPUS / "sources.txt")
    assert listed is not None
    assert len(listed) == len(list((CORPUS / "pages").glob("*.html")))


def test_resolve_lists_directories_and_failures(tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "a.html").write_text("<p>x</p>")
    (tmp_path / "d" / "sub" / "b.md").write_text("# b")
    (tmp_path / "d" / "README.md").write_text("readme")
    (tmp_path / "d" / ".hidden.html").write_text("x")
    (tmp_path / "d" / "c.pdf").write_bytes(b"%PDF")
    (tmp_path / "list.txt").write_text("# comment\n\nd/a.html\nhttps://e.example/x\n")
    (tmp_path / "prose.txt").write_text("This is an article about chips, not a list of sources.")
    (tmp_path / "doc.pdf").write_bytes(b"%PDF")
    items, failures = resolve(
        [
            str(tmp_path / "d"),
            str(tmp_path / "list.txt"),
            str(tmp_path / "prose.txt"),
            str(tmp_path / "doc.pdf"),
            str(tmp_path / "missing.html"),
            "ftp://x.example/f",
        ]
    )
    names = [Path(i.location).name for i in items]
    assert names == ["a.html", "b.md", "a.html", "x", "prose.txt"]
    assert [i.from_walk for i in items] == [True, True, False, False, False]
    reasons = sorted(f.reason for f in failures)
    assert reasons == [
        "no such file or directory, and not a URL",
        "unsupported URL scheme",
        "unsupported file type (supported: .html, .htm, .html.gz, .htm.gz, .xhtml, "
        ".txt, .md, .markdown)",
    ]
