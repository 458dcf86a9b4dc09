"""What changed, over consecutive weeks of real news: the AllSides dev stories (April to June
2021), where topics such as Coronavirus come back week after week.

The pages are rendered from ``../shared/data/allsides-dev`` (``evals/allsides.py``) into a
temporary folder and ingested with the real model; ``weekly`` then briefs one topic for five
consecutive weeks into one folder, each week compared with the one before.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from citebrief.settings import load_settings
from citebrief.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "evals"))

import allsides  # noqa: E402

pytestmark = pytest.mark.timeout(900)

TOPICS = ("Coronavirus", "Joe Biden")
SUNDAYS = [date.fromisocalendar(2021, week, 7) for week in range(17, 22)]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("allsides")
    _, pages = allsides.load()
    written = allsides.write_pages(pages, base / "pages")
    topics = base / "topics.txt"
    topics.write_text("\n".join(TOPICS) + "\n", "utf-8")
    settings = load_settings(home=base / "home", chroma_url=None)
    with open_workspace(settings, verifier="lexical") as ws:
        assert not ws.ingest([str(written)]).failed
        for sunday in SUNDAYS:
            ws.weekly(sunday, topics_file=topics, writer="extractive", out_dir=base / "briefings")
    return base / "briefings"


def test_each_week_is_marked_against_the_one_before(folder: Path) -> None:
    seen: Counter[str] = Counter()
    for topic in TOPICS:
        slug = topic.lower().replace(" ", "-")
        previous: dict[str, object] | None = None
        for sunday in SUNDAYS:
            year, week, _ = sunday.isocalendar()
            path = folder / f"{year}-W{week:02d}-{slug}.json"
            if not path.exists():
                continue  # refused that week: the next week compares with the last one written
            data = json.loads(path.read_text("utf-8"))
            if previous is None:
                assert data["since_last"].startswith("First briefing")
            else:
                assert data["since_last"].startswith("Since last week: ")
                before = {t["story"]["id"]: t for t in previous["takeaways"]}  # type: ignore[index, union-attr]
                for t in data["takeaways"]:
                    change = t["change"]
                    seen[change["status"]] += 1
                    if change["status"] == "new":
                        assert t["story"]["id"] not in before
                    else:
                        assert before[t["story"]["id"]]["number"] == change["previous"]["number"]
                        end = previous["window"]["end"]  # type: ignore[index]
                        published = {s["number"]: s["published"] for s in data["sources"]}
                        fresh = list(change["fresh"])
                        assert all(published[n] > end for n in fresh)
                        assert (change["status"] == "developing") == bool(fresh)
            previous = data
    print(f"\nchanges over {len(SUNDAYS)} AllSides weeks: {dict(seen)}")
    assert sum(seen.values()) >= 5  # real weeks were compared
