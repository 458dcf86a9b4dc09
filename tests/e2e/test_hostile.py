"""The catalogue of hostile input, broken state and concurrent runs, with real processes.

Every case runs the real CLI (``python -m citebrief``) against real files, a real HTTP server
on 127.0.0.1 (pages, faults, a trickling server, an endless sitemap index), damaged databases
and two processes at once. Each case records what it tried (``tried``); the last test counts
the catalogue: kinds of bad input, kill points, concurrent scenarios. What must hold every time:
no traceback, one line per failure with a reason, the right exit code, nothing stored lost,
overwritten or duplicated, no markup or citation smuggled in from page text.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from citebrief.corpus.store import Corpus
from tests.conftest import CORPUS, NEWS, PageServer, article_html, paragraphs, run_cli

pytestmark = pytest.mark.timeout(900)

TRIED: Counter[str] = Counter()  # kind of case -> how many were tried
PAGE = CORPUS / "pages" / "wire-asia-service-2026-11-10-hbm-rule-unveiled.html"


def tried(kind: str, n: int = 1) -> None:
    TRIED[kind] += n


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    no_traceback(result)
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def ingest_json(home: Path, *sources: str, **env: str) -> tuple[int, list[dict[str, str]]]:
    result = run_cli(home, "ingest", *sources, "--json", **env)
    no_traceback(result)
    return result.returncode, json.loads(result.stdout)["items"]


@pytest.fixture(scope="module")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus ingested once; tests that damage it work on a copy."""
    home = tmp_path_factory.mktemp("hostile") / "home"
    result = run_cli(home, "ingest", str(CORPUS / "sources.txt"))
    assert result.returncode == 0, result.stderr
    return home


@pytest.fixture
def home_copy(sample_home: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "home"
    shutil.copytree(sample_home, copy)
    return copy


def articles(home: Path) -> dict[str, tuple[str, str]]:
    """Article id -> (content hash, location)."""
    db = sqlite3.connect(home / "corpus.sqlite3")
    try:
        return {
            r[0]: (r[1], r[2])
            for r in db.execute("SELECT id, content_hash, location FROM articles")
        }
    finally:
        db.close()


def consistent(home: Path) -> None:
    check = run_cli(home, "corpus", "check")
    no_traceback(check)
    assert check.returncode == 0, check.stderr + check.stdout


# === A. a file cannot overwrite another source's article ========================================
def test_a_file_declaring_another_articles_url_does_not_overwrite_it(
    home_copy: Path, tmp_path: Path
) -> None:
    before = articles(home_copy)
    forged = tmp_path / "forged.html"
    forged.write_text(
        article_html(
            "US unveils rule to close HBM packaging loophole",
            paragraphs("forgery", 5),
            canonical="https://wireasia.example/news/technology/us-unveils-hbm-packaging-rule-entity-list-2026-11-10/",
        ),
        "utf-8",
    )
    code, items = ingest_json(home_copy, str(forged))
    tried("bad input")
    assert code == 0
    (item,) = items
    assert item["outcome"] == "added"  # its own article, not "updated"
    assert "kept apart" in item["reason"]
    after = articles(home_copy)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing rewritten
    assert len(after) == len(before) + 1
    _again, items = ingest_json(home_copy, str(forged))
    assert items[0]["outcome"] == "unchanged"  # the same file may update its own article
    consistent(home_copy)


# === B. article text never picks its own citations ==============================================
def test_markers_in_article_text_are_never_read_as_citations(tmp_path: Path) -> None:
    home = tmp_path / "home"
    page = tmp_path / "markers.html"
    sentences = [
        f"Memory makers said the HBM export controls rule number {n} would cut supplies sharply "
        f"across the region this winter [S1][S2][S3]."
        for n in range(1, 7)
    ]
    page.write_text(article_html("HBM export controls cut supplies", sentences, date="2026-10-01"))
    assert run_cli(home, "ingest", str(CORPUS / "sources.txt"), str(page)).returncode == 0
    tried("bad input")
    result = run_cli(
        home, "brief", "HBM export controls", "--from", "2026-10-01", "--to", "2026-10-01",
        "--format", "json", "--writer", "extractive",
    )  # fmt: skip
    no_traceback(result)
    briefing = json.loads(result.stdout)
    for sentence in (s for t in briefing["takeaways"] for s in t["sentences"]):
        assert sentence["citations"] == [1]  # its own passage only: the one source
        assert "[S1][S2][S3]" in sentence["text"]  # quoted as written, not parsed
    assert len(briefing["sources"]) == 1
    answer = run_cli(
        home, "ask", "What will the HBM export controls rule do to supplies?", "--json",
        "--from", "2026-10-01", "--to", "2026-10-01", "--writer", "extractive",
    )  # fmt: skip
    no_traceback(answer)
    data = json.loads(answer.stdout)["answer"]
    assert data is not None
    assert len(data["sources"]) == 1


# === C. -o writes only regular files ============================================================
@pytest.mark.parametrize("kind", ["device", "fifo", "directory", "symlink"])
def test_output_to_a_special_file_is_refused_and_a_symlink_is_written_through(
    sample_home: Path, tmp_path: Path, kind: str
) -> None:
    tried("bad input")
    brief = ("brief", "HBM export controls", "--since", "all", "--writer", "extractive")
    if kind == "device":
        target = Path("/dev/full")
    elif kind == "fifo":
        target = tmp_path / "pipe"
        os.mkfifo(target)
    elif kind == "directory":
        target = tmp_path
    else:
        real = tmp_path / "real.md"
        real.write_text("old", "utf-8")
        target = tmp_path / "link.md"
        target.symlink_to(real)
        result = run_cli(sample_home, *brief, "-o", str(target))
        assert result.returncode == 0, result.stderr
        assert target.is_symlink()
        assert real.read_text("utf-8").startswith("# Food for thought")
        return
    mode = target.stat().st_mode
    result = run_cli(sample_home, *brief, "-o", str(target))
    assert result.returncode == 2
    assert "cannot write to" in one_error_line(result)
    assert target.stat().st_mode == mode  # left as it was
    assert not list(tmp_path.glob(".*.tmp"))


# === D. kill -9 during reindex, then the next run repairs =======================================
@pytest.mark.parametrize("delay", [1.0, 3.0, 6.0])
def test_a_killed_reindex_is_finished_by_the_next_ingest(home_copy: Path, delay: float) -> None:
    tried("kill point")
    process = subprocess.Popen(
        [sys.executable, "-m", "citebrief", "corpus", "reindex"],
        env={**os.environ, "CITEBRIEF_HOME": str(home_copy)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    result = run_cli(home_copy, "ingest", str(PAGE))  # anything: it finishes pending work first
    assert result.returncode == 0, result.stderr
    consistent(home_copy)
    brief = run_cli(home_copy, "brief", "HBM export controls", "--since", "all")
    assert brief.returncode == 0, brief.stderr


# === E. an endless sitemap index is bounded =====================================================
def test_an_endless_sitemap_index_stops_at_its_bounds(tmp_path: Path) -> None:
    tried("bad input")
    served = Counter[str]()

    class Endless(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served["requests"] += 1
            n = self.path.strip("/").removeprefix("s") or "0"
            body = "".join(
                f"<sitemap><loc>http://{self.headers['Host']}/s{n}-{i}</loc></sitemap>"
                for i in range(500)
            )
            data = (
                '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                f'sitemap/0.9">{body}</sitemapindex>'
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    with serving(Endless) as base:
        code, items = ingest_json(
            tmp_path / "home",
            f"{base}/s",
            CITEBRIEF_MAX_SITEMAPS="20",
            CITEBRIEF_PER_HOST_DELAY="0",
        )
    assert served["requests"] <= 21  # the index and 20 nested sitemaps at most
    assert any("links not followed" in i["reason"] for i in items)
    assert code in (0, 1)


# === 1. a damaged archive fails alone ===========================================================
def test_damaged_and_truncated_archives_fail_alone_and_the_rest_is_ingested(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(2):
        (folder / f"good{n}.html").write_text(article_html(f"Good {n}", paragraphs(f"g{n}")))
    data = gzip.compress(article_html("Zipped", paragraphs("z")).encode())
    (folder / "broken.html.gz").write_bytes(data[:10] + b"\x00garbage\x00" * 50 + data[-8:])
    (folder / "truncated.html.gz").write_bytes(data[: len(data) // 2])
    tried("bad input", 2)
    code, items = ingest_json(tmp_path / "home", str(folder))
    assert code == 1
    outcomes = {Path(i["source"]).name: (i["outcome"], i["reason"]) for i in items}
    assert outcomes["good0.html"][0] == outcomes["good1.html"][0] == "added"
    for name in ("broken.html.gz", "truncated.html.gz"):
        assert outcomes[name][0] == "failed"
        assert "damaged gzip" in outcomes[name][1]


# === 2. markup from untrusted text stays text ===================================================
HOSTILE_TITLE = (
    "Evil](javascript:alert(1)) [click me](javascript:alert(2)) <img src=x onerror=alert(3)> "
    "[/] [bold red]red[/bold red] [link=https://evil.example]x[/link]"
)


def test_markup_in_urls_titles_and_text_prints_literally(
    server: PageServer, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    text = [
        f"HBM export controls were discussed at length by officials {n} times this week, "
        "![img](javascript:alert(4)) and [S2] said so, in detail, with numbers."
        for n in range(5)
    ]
    hostile = server.page("/hostile", article_html(HOSTILE_TITLE, text, date="2026-11-11"))
    tried("bad input", 3)
    result = run_cli(home, "ingest", server.url("/nf/[/]"), hostile)
    no_traceback(result)
    assert result.returncode == 1
    assert "/nf/[/]: HTTP 404" in result.stdout
    listing = run_cli(home, "corpus", "list")
    no_traceback(listing)
    assert "[bold red]red[/bold red]" in listing.stdout
    (article_id,) = [line.split()[0] for line in listing.stdout.splitlines()[1:] if line.strip()]
    shown = run_cli(home, "corpus", "show", article_id)
    no_traceback(shown)
    assert "[link=https://evil.example]x[/link]" in shown.stdout
    md = run_cli(home, "brief", "HBM export controls", "--since", "all", "--writer", "extractive")
    assert md.returncode == 0, md.stderr
    page = MarkdownIt("commonmark", {"html": True}).render(md.stdout)
    assert "<img" not in page
    assert "javascript:" not in "".join(
        part.split('"')[0] for part in page.split('href="')[1:]
    )  # no link from page text
    assert "<script" not in page


# === 3. a slow server cannot hold the ingest ====================================================
def test_a_trickling_server_is_given_up_at_the_deadline_and_the_batch_goes_on(
    server: PageServer, tmp_path: Path
) -> None:
    def trickle(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "text/html")
        request.end_headers()
        for _ in range(600):  # one byte a second, for ten minutes
            request.wfile.write(b" ")
            request.wfile.flush()
            time.sleep(1)

    server.routes["/slow"] = trickle
    good = server.page("/good", article_html("Good page", paragraphs("good")))
    tried("bad input")
    started = time.monotonic()
    _code, items = ingest_json(
        tmp_path / "home",
        server.url("/slow"),
        good,
        CITEBRIEF_DEADLINE="3",
        CITEBRIEF_RETRIES="0",
    )
    assert time.monotonic() - started < 120
    by_source = {i["source"]: i for i in items}
    assert by_source[good]["outcome"] == "added"
    slow = by_source[server.url("/slow")]
    assert slow["outcome"] == "failed"
    assert "no complete answer within 3 s" in slow["reason"]


# === 4. a damaged database: one line, a check that says what, a rebuild =========================
@pytest.mark.parametrize("damage", ["random bytes", "truncated", "keyword index"])
def test_a_damaged_database_gives_one_line_and_rebuild_recovers(
    home_copy: Path, damage: str
) -> None:
    tried("damaged corpus")
    path = home_copy / "corpus.sqlite3"
    if damage == "random bytes":
        size = path.stat().st_size
        with path.open("r+b") as handle:
            handle.seek(size // 3)
            handle.write(os.urandom(40_000))
    elif damage == "truncated":
        with path.open("r+b") as handle:
            handle.truncate(path.stat().st_size // 2)
    else:
        db = sqlite3.connect(path)
        db.execute("DELETE FROM chunks_fts_data WHERE id > 10")
        db.commit()
        db.close()
    for command in (("corpus", "stats"), ("corpus", "list"), ("brief", "HBM", "--since", "all")):
        result = run_cli(home_copy, *command)
        no_traceback(result)
    check = run_cli(home_copy, "corpus", "check")
    no_traceback(check)
    assert check.returncode in (1, 2)
    assert "rebuild" in check.stderr + check.stdout
    rebuilt = run_cli(home_copy, "corpus", "rebuild")
    no_traceback(rebuilt)
    assert rebuilt.returncode in (0, 1)
    assert "rebuilt:" in rebuilt.stdout
    consistent(home_copy)
    brief = run_cli(home_copy, "brief", "HBM export controls", "--since", "all")
    assert brief.returncode in (0, 1)
    no_traceback(brief)


def test_a_damaged_vector_store_is_repaired_by_reindex(home_copy: Path) -> None:
    tried("damaged corpus")
    store = home_copy / "chroma" / "chroma.sqlite3"
    with store.open("r+b") as handle:
        handle.seek(store.stat().st_size // 2)
        handle.write(os.urandom(50_000))
    for command in (("corpus", "stats"), ("brief", "HBM", "--since", "all"), ("ingest", str(PAGE))):
        no_traceback(run_cli(home_copy, *command))
    reindexed = run_cli(home_copy, "corpus", "reindex")
    assert reindexed.returncode == 0, reindexed.stderr
    consistent(home_copy)


def test_a_deleted_vector_store_is_reported_with_the_command_that_fixes_it(
    home_copy: Path,
) -> None:
    tried("damaged corpus")
    shutil.rmtree(home_copy / "chroma")
    check = run_cli(home_copy, "corpus", "check")
    assert check.returncode == 1
    assert "citebrief corpus reindex" in check.stderr
    assert run_cli(home_copy, "corpus", "reindex").returncode == 0
    consistent(home_copy)


def test_a_span_problem_is_printed_with_its_brackets(home_copy: Path) -> None:
    tried("damaged corpus")
    db = sqlite3.connect(home_copy / "corpus.sqlite3")
    db.execute("UPDATE chunks SET text = 'changed' WHERE rowid = 1")
    db.commit()
    db.close()
    check = run_cli(home_copy, "corpus", "check")
    assert check.returncode == 1
    assert "article.text[start:end]" in check.stderr


# === 5. a full disk ==============================================================================
@pytest.mark.parametrize("size", ["1200k", "3m"])  # SQLite fills it first; then Chroma
def test_a_full_disk_gives_one_line_and_the_next_run_finishes(tmp_path: Path, size: str) -> None:
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({made.stderr.decode().strip()})")
    try:
        tried("bad input")
        home = mount / "home"
        result = run_cli(home, "ingest", str(CORPUS / "sources.txt"))
        no_traceback(result)
        if result.returncode == 0:
            pytest.skip(f"the sample corpus fit in {size}; nothing to test")
        assert "no space left" in one_error_line(result)
        # free space: move the home to a roomy disk and finish there
        roomy = tmp_path / "roomy"
        shutil.copytree(home, roomy)
        again = run_cli(roomy, "ingest", str(CORPUS / "sources.txt"))
        assert again.returncode == 0, again.stderr
        consistent(roomy)
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


# === 6. one huge page cannot swamp the corpus ====================================================
def test_a_huge_page_is_cut_with_a_note(tmp_path: Path) -> None:
    tried("bad input")
    page = tmp_path / "huge.txt"
    line = "Huge page sentence about export controls and memory chips, repeated. "
    page.write_text("Huge\n\n" + "\n".join(line * 20 for _ in range(3000)), "utf-8")
    code, items = ingest_json(tmp_path / "home", str(page), CITEBRIEF_MAX_ARTICLE_CHARS="50000")
    assert code == 0
    assert "text cut to" in items[0]["reason"]
    corpus = Corpus(tmp_path / "home" / "corpus.sqlite3")
    try:
        (row,) = corpus.articles(5)
        stored = corpus.get(row["id"])
        assert stored is not None
        assert len(stored.text) <= 50_000
    finally:
        corpus.close()


# === 7. errors that used to show a traceback or a wrong hint =====================================
@pytest.mark.parametrize(
    ("args", "env", "code", "says"),
    [
        (["corpus", "stats"], {"CITEBRIEF_HOME": "{file}"}, 2, "CITEBRIEF_HOME"),
        (["ingest", "x.html"], {"CITEBRIEF_CHUNK_OVERLAP": "900"}, 2, "CITEBRIEF_CHUNK_OVERLAP"),
        (["brief", "x", "--since", "99999999d"], {}, 2, "reaches before year 1"),
        (["ask", "x", "--since", "99999999d"], {}, 2, "reaches before year 1"),
        (["ingest", "x.html", "--since", "99999999d"], {}, 2, "reaches before year 1"),
        (["chat", "--since", "99999999d"], {}, 2, "reaches before year 1"),
        (["weekly", "--topics", "{latin1}"], {}, 2, "is not UTF-8"),
        (["brief", "x", "-o", "{dir}"], {}, 2, "it is a directory"),
    ],
)
def test_errors_are_one_line_with_the_right_hint(
    tmp_path: Path, args: list[str], env: dict[str, str], code: int, says: str
) -> None:
    tried("bad input")
    (tmp_path / "file").write_text("x")
    (tmp_path / "topics.txt").write_bytes("Caf\xe9 news\n".encode("latin-1"))
    names = {
        "file": str(tmp_path / "file"),
        "latin1": str(tmp_path / "topics.txt"),
        "dir": str(tmp_path),
    }
    args = [a.format(**names) for a in args]
    env = {k: v.format(**names) for k, v in env.items()}
    home = Path(env.pop("CITEBRIEF_HOME", str(tmp_path / "home")))
    result = run_cli(home, *args, **env)
    assert result.returncode == code, result.stderr
    assert says in one_error_line(result)


def test_odd_sources_each_get_a_reason(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    utf16 = tmp_path / "utf16.html"
    utf16.write_bytes(article_html("UTF-16 page", paragraphs("u16")).encode("utf-16"))
    newline = tmp_path / "two\nlines.html"
    newline.write_text(article_html("Newline", paragraphs("nl")))
    tried("bad input", 3)
    result = run_cli(tmp_path / "home", "ingest", str(empty), str(utf16), str(newline))
    no_traceback(result)
    assert result.returncode == 1  # the empty folder
    assert "no article files in the folder" in result.stdout
    assert "2 added" in result.stdout  # the UTF-16 page and the odd name
    for line in result.stdout.splitlines():
        assert not line.startswith("lines.html")  # a newline in a name forges no line


# === 8. what held stays held: concurrent runs, a killed brief -o ================================
def test_two_ingests_at_once_into_one_home(tmp_path: Path) -> None:
    tried("concurrent", 2)
    home = tmp_path / "home"
    news = sorted((NEWS / "html").glob("*.gz"))
    half = tmp_path / "half"
    half.mkdir()
    for page in news[:12]:
        shutil.copy(page, half / page.name)
    env = {**os.environ, "CITEBRIEF_HOME": str(home)}
    runs = [
        subprocess.Popen([sys.executable, "-m", "citebrief", "ingest", source], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for source in (str(CORPUS / "sources.txt"), str(half), str(CORPUS / "sources.txt"))
    ]  # fmt: skip
    for run in runs:
        _out, err = run.communicate(timeout=600)
        assert "Traceback" not in err, err
        assert "vector store failed" not in err, err
        assert run.returncode == 0, err
    db = sqlite3.connect(home / "corpus.sqlite3")
    total, distinct = db.execute(
        "SELECT count(*), count(DISTINCT canonical_url) FROM articles"
    ).fetchone()
    db.close()
    assert total == distinct  # no duplicate
    assert total >= 24 + 10
    consistent(home)


def test_brief_while_an_ingest_writes(sample_home: Path, tmp_path: Path) -> None:
    tried("concurrent")
    home = tmp_path / "home"
    shutil.copytree(sample_home, home)
    folder = tmp_path / "more"
    folder.mkdir()
    for n in range(20):
        (folder / f"p{n}.html").write_text(article_html(f"More {n}", paragraphs(f"more{n}")))
    env = {**os.environ, "CITEBRIEF_HOME": str(home)}
    ingest = subprocess.Popen(
        [sys.executable, "-m", "citebrief", "ingest", str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    brief = run_cli(home, "brief", "HBM export controls", "--since", "all")
    _out, err = ingest.communicate(timeout=600)
    assert ingest.returncode == 0, err
    assert brief.returncode == 0, brief.stderr
    consistent(home)


@pytest.mark.parametrize("delay", [2.0, 5.0])
def test_kill_9_during_brief_o_leaves_the_old_file_whole(
    sample_home: Path, tmp_path: Path, delay: float
) -> None:
    tried("kill point")
    target = tmp_path / "brief.md"
    target.write_text("old briefing\n", "utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "citebrief", "brief", "HBM export controls", "--since", "all",
         "-o", str(target)],
        env={**os.environ, "CITEBRIEF_HOME": str(sample_home)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    text = target.read_text("utf-8")
    assert text == "old briefing\n" or text.startswith("# Food for thought")


# === the count ===================================================================================
def test_zz_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs last in this module: how much of each kind was tried (in the closing note)."""
    with capsys.disabled():
        print(f"\nhostile catalogue: {dict(TRIED)}")
    assert TRIED["bad input"] >= 20
    assert TRIED["kill point"] >= 5
    assert TRIED["concurrent"] >= 3
    assert TRIED["damaged corpus"] >= 5


# --- helpers ----------------------------------------------------------------------------------
class serving:
    """A handler class served on 127.0.0.1 for a ``with`` block; the base URL."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True

    def __enter__(self) -> str:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
