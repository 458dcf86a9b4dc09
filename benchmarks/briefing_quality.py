"""Briefing quality on real multi-outlet news: the AllSides dev stories, next to a baseline.

    python benchmarks/briefing_quality.py                 # report weeks, baseline 3ac801a
    python benchmarks/briefing_quality.py --weeks all --out
    python benchmarks/briefing_quality.py --weeks fit --baseline HEAD   # choose on fitting weeks

The 602 articles of ``../shared/data/allsides-dev`` (209 stories, each one event covered by two
or three outlets, April to June 2021) are rendered as pages (``evals/allsides.py``) and ingested
into a temporary home. For every (ISO week, AllSides topic) with two or more stories of the
topic that week, a briefing of that week on that topic is written (extractive writer, offline
verifier); for every week and major topic (four or more stories in all) with none, a refusal is
expected (weeks where a story filed under another topic is judged about it are left out). The
same is run, in the same invocation and on the same pages, by the baseline: the project at
``--baseline`` (by default the last commit before stories), checked out with ``git archive``
and run in a subprocess through the same public API.

Grouping, relevance and coverage thresholds were fitted on the fitting weeks
(``evals/fit_stories.py``); the report weeks were never used to choose anything.

Reported, for each system:
- grouping (stories only): pairwise precision, recall and F1 of the corpus's stories against the
  AllSides story ids;
- on topic: share of cited articles whose story is about the asked topic: filed under it by
  AllSides ("strict"), or also judged about it by hand ("adjudicated",
  ``evals/allsides_judgments.json``: AllSides files each story under one topic only);
- purity: per takeaway, the share of its cited articles from its main story; briefings whose
  takeaways all have distinct main stories; takeaways citing two or more outlets of their story;
- coverage: ROUGE-2 recall (rouge-score, stemmed) of the briefing's text against the editors'
  roundups of that week's stories of the topic, next to a length-matched lead baseline (first
  sentences of those stories' articles, in turn, cut to the briefing's length in words);
- refusals: share of present-topic weeks refused, share of absent-topic weeks refused;
- speakers by surname: sentences whose speaker is a person named by surname alone ("...,
  Zhang said.", the article having named "Zhang Ruolan" before), and the share of them whose
  takeaway names that person before (in its headline or an earlier sentence);
- opinion labels: cited articles AllSides tags as opinion (their pages declare the section
  "Opinion") whose source is labelled opinion, and cited news reports labelled opinion.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "evals"))

import allsides  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
BASELINE = "3ac801a"  # issue 9's restructure: the pipeline before stories
TARGETS = {
    "grouping F1": (">=", 0.90),
    "on topic (strict)": (">=", 0.95),
    "purity": (">=", 0.95),
    "distinct main stories": (">=", 1.0),
    "absent-topic weeks refused": (">=", 0.90),
    "present-topic weeks refused": ("<=", 0.10),
    "sentences that stand alone": (">=", 1.0),
    "headlines of an uncited article": ("<=", 0.0),
    "headlines repeated": ("<=", 0.0),
    "sentences supported (offline verifier)": (">=", 0.95),
    "citations that resolve": (">=", 1.0),
}


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the driver: runs inside the system measured (this project, or the baseline) -------------
def drive(home: Path, pages: Path, jobs_file: Path, out: Path) -> None:
    """Ingest the pages and write every job's briefing (or refusal) as JSON; only the public
    API that both versions have is used."""
    from datetime import date

    from citebrief import CitebriefError, Window, load_settings, open_workspace
    from citebrief.brief.render import to_markdown

    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    settings = load_settings(home=home, chroma_url=None)
    jobs = json.loads(jobs_file.read_text(encoding="utf-8"))
    results: dict[str, Any] = {"jobs": [], "articles": {}, "stories": {}}
    with open_workspace(settings) as ws:
        started = time.perf_counter()
        report = ws.ingest([str(pages)])
        results["ingest_s"] = time.perf_counter() - started
        results["failed"] = [f"{i.source}: {i.reason}" for i in report.failed]
        for article_id, location in ws.corpus.db.execute("SELECT id, location FROM articles"):
            results["articles"][article_id] = location
        try:
            rows = ws.corpus.db.execute("SELECT article_id, story_id FROM story_articles")
            results["stories"] = dict(rows.fetchall())
        except Exception:  # the baseline has no stories
            results["stories"] = {}
        started = time.perf_counter()
        for job in jobs:
            window = Window(date.fromisoformat(job["start"]), date.fromisoformat(job["end"]))
            entry: dict[str, Any] = {"job": job}
            try:
                briefing = ws.brief(job["topic"], window, writer="extractive")
                entry["briefing"] = briefing.to_dict()
                entry["markdown"] = to_markdown(briefing)
            except CitebriefError as exc:
                entry["refused"] = exc.one_line()
            results["jobs"].append(entry)
        results["briefings_s"] = time.perf_counter() - started
    out.write_text(json.dumps(results), encoding="utf-8")


def run_system(name: str, src: Path, scratch: Path, pages: Path, jobs_file: Path) -> dict[str, Any]:
    out = scratch / f"{name}.json"
    env = {**os.environ, "PYTHONPATH": str(src), "ANONYMIZED_TELEMETRY": "False"}
    for key in list(env):
        if key.startswith(("CITEBRIEF_", "OPENAI_")):
            del env[key]
    command = [
        sys.executable,
        __file__,
        "--drive",
        str(scratch / f"{name}-home"),
        str(pages),
        str(jobs_file),
        str(out),
    ]
    log(f"{name}: ingest and briefings ({src})")
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, cwd=scratch)
    log(f"{name}: done in {time.perf_counter() - started:.0f} s")
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def checkout(rev: str, folder: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


# --- scoring -----------------------------------------------------------------------------------
def pairwise(predicted: dict[str, str], gold: dict[str, int]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for a, b in itertools.combinations(sorted(gold), 2):
        same_p, same_g = predicted.get(a) == predicted.get(b), gold[a] == gold[b]
        tp += same_p and same_g
        fp += same_p and not same_g
        fn += same_g and not same_p
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall) if tp else 0.0


def lead_text(pages: list[allsides.Page], stories: set[int] | list[int], like: str) -> str:
    """The first sentences of these stories' articles, in turn, cut to ``like``'s length."""
    from citebrief.text import sentences

    words = len(like.split())
    firsts = [sentences(" ".join(p.paragraphs)) for p in pages if p.story in set(stories)]
    taken: list[str] = []
    for round_ in itertools.zip_longest(*firsts):
        for sentence in round_:
            if sentence and len(taken) < words:
                taken.extend(sentence.split())
    return " ".join(taken[:words])


def score(
    result: dict[str, Any],
    stories: list[allsides.StoryInfo],
    pages: list[allsides.Page],
    weeks: frozenset[int],
) -> dict[str, float]:
    from rouge_score import rouge_scorer

    from citebrief.brief.style import (
        bare_speaker,
        headline,
        introduced,
        pointing_back,
        problems,
        referred,
        unframe,
    )

    rouge = rouge_scorer.RougeScorer(["rouge2"], use_stemmer=True)
    by_file = {p.file: p for p in pages}
    page_of = {
        aid: by_file[loc.rsplit("/", 1)[-1]]
        for aid, loc in result["articles"].items()
        if loc.rsplit("/", 1)[-1] in by_file
    }
    strict = allsides.Topics(stories, adjudicated=False)
    judged = allsides.Topics(stories, adjudicated=True)
    out: dict[str, float] = {}

    if result["stories"]:
        gold = {a: p.story for a, p in page_of.items() if p.week in weeks}
        precision, recall, f1 = pairwise(result["stories"], gold)
        out.update({"grouping precision": precision, "grouping recall": recall, "grouping F1": f1})

    on = {"strict": [0, 0], "adjudicated": [0, 0]}
    purity, two_outlets, distinct = [], [], []
    present = refused_present = absent = refused_absent = 0
    coverage: list[float] = []
    lead: list[float] = []
    own: list[float] = []
    own_lead: list[float] = []
    alone, supported, resolved = [], [], []
    named: list[float] = []
    uncited_titles, repeated = [], []
    opinion_labelled: list[float] = []
    news_labelled: list[float] = []
    titles = {a: p.title for a, p in page_of.items()}
    for entry in result["jobs"]:
        job = entry["job"]
        if job["week"] not in weeks:
            continue
        briefing = entry.get("briefing")
        if not job["present"] and job.get("contested"):
            continue  # none filed under the topic, but one judged about it: no right answer
        if not job["present"]:
            absent += 1
            refused_absent += briefing is None
            continue
        present += 1
        if briefing is None:
            refused_present += 1
            continue
        sources = {s["number"]: s for s in briefing["sources"]}
        for source in sources.values():
            page = page_of.get(source["article_id"])
            if page is not None:
                labels = opinion_labelled if page.section else news_labelled
                labels.append(float(bool(source.get("opinion"))))
        for takeaway in briefing["takeaways"]:
            said = takeaway["headline"]
            for sentence in takeaway["sentences"]:
                quote = unframe(sentence["text"])[1]
                # a demonstrative ("this claim") stands when the takeaway named it before
                back = pointing_back(quote)
                alone.append(
                    float(
                        not problems(quote, demonstratives=False)
                        and all(referred(phrase, said) for phrase in back)
                    )
                )
                # "..., Zhang said.": a person's surname alone, named before in the takeaway?
                surname = bare_speaker(quote)
                cited = [sources[n] for n in sentence["citations"] if n in sources]
                page = page_of.get(cited[0]["article_id"]) if cited else None
                if surname and page is not None:
                    text = " ".join(page.paragraphs)
                    at = text.find(quote[:60])
                    end = at + len(quote) if at >= 0 else len(text)
                    if introduced(surname, text[:end]) and not introduced(
                        surname, quote, titled=False
                    ):
                        named.append(float(bool(re.search(rf"\b{surname}\b", said))))
                said += f" {sentence['text']}"
                supported.append(float(sentence["verdict"] == "supported"))
                resolved += [float(n in sources) for n in sentence["citations"]]
            cited_here = {
                sources[n]["article_id"]
                for s in takeaway["sentences"]
                for n in s["citations"]
                if n in sources
            }
            uncited = {t.strip().lower() for a, t in titles.items() if a not in cited_here}
            uncited |= {headline(t).lower() for t in uncited}
            uncited_titles.append(float(takeaway["headline"].strip().lower() in uncited))
        heads = [t["headline"].strip().lower() for t in briefing["takeaways"]]
        repeated += [float(heads.count(h) > 1) for h in heads]
        cited_all = set()
        mains = []
        for takeaway in briefing["takeaways"]:
            cited = [
                sources[n]["article_id"]
                for s in takeaway["sentences"]
                for n in s["citations"]
                if n in sources
            ]
            cited = [a for a in dict.fromkeys(cited) if a in page_of]
            if not cited:
                continue
            cited_all.update(cited)
            story_ids = [page_of[a].story for a in cited]
            main, count = Counter(story_ids).most_common(1)[0]
            mains.append(main)
            purity.append(count / len(story_ids))
            outlets = {page_of[a].outlet for a in cited if page_of[a].story == main}
            two_outlets.append(float(len(outlets) >= 2))
        distinct.append(float(len(mains) == len(set(mains))))
        for a in cited_all:
            story = page_of[a].story
            on["strict"][0] += strict.about(story, job["topic"])
            on["adjudicated"][0] += judged.about(story, job["topic"])
            on["strict"][1] += 1
            on["adjudicated"][1] += 1
        # coverage against the roundups of that week's stories of the topic, next to the lead
        # of those stories (which knows which stories AllSides filed under the topic); and
        # against the roundups of the stories the briefing cites, next to their lead
        text = " ".join(s["text"] for t in briefing["takeaways"] for s in t["sentences"])
        week_stories = {s.id for s in stories if s.week == job["week"] and s.topic == job["topic"]}
        cited_stories = list(dict.fromkeys(page_of[a].story for a in cited_all))
        for ids, ours, theirs in ((week_stories, coverage, lead), (cited_stories, own, own_lead)):
            if ids:
                reference = " ".join(p for s in stories if s.id in ids for p in s.roundup)
                ours.append(rouge.score(reference, text)["rouge2"].recall)
                theirs.append(rouge.score(reference, lead_text(pages, ids, text))["rouge2"].recall)

    out["on topic (strict)"] = on["strict"][0] / on["strict"][1] if on["strict"][1] else 0.0
    out["on topic (adjudicated)"] = (
        on["adjudicated"][0] / on["adjudicated"][1] if on["adjudicated"][1] else 0.0
    )
    out["purity"] = statistics.mean(purity) if purity else 0.0
    out["distinct main stories"] = statistics.mean(distinct) if distinct else 0.0
    out["takeaways citing 2+ outlets of their story"] = (
        statistics.mean(two_outlets) if two_outlets else 0.0
    )
    out["ROUGE-2 recall"] = statistics.mean(coverage) if coverage else 0.0
    out["ROUGE-2 recall, lead baseline"] = statistics.mean(lead) if lead else 0.0
    out["ROUGE-2 recall, roundups of the cited stories"] = statistics.mean(own) if own else 0.0
    out["ROUGE-2 recall, lead of the cited stories"] = (
        statistics.mean(own_lead) if own_lead else 0.0
    )
    out["present-topic weeks refused"] = refused_present / present if present else 0.0
    out["absent-topic weeks refused"] = refused_absent / absent if absent else 0.0
    out["sentences that stand alone"] = statistics.mean(alone) if alone else 0.0
    out["speakers by surname named before"] = statistics.mean(named) if named else 1.0
    out["speakers by surname"] = len(named)
    out["headlines of an uncited article"] = (
        statistics.mean(uncited_titles) if uncited_titles else 0.0
    )
    out["headlines repeated"] = statistics.mean(repeated) if repeated else 0.0
    out["cited opinion pieces labelled opinion"] = (
        statistics.mean(opinion_labelled) if opinion_labelled else 0.0
    )
    out["cited news reports labelled opinion"] = (
        statistics.mean(news_labelled) if news_labelled else 0.0
    )
    out["sentences supported (offline verifier)"] = statistics.mean(supported) if supported else 0.0
    out["citations that resolve"] = statistics.mean(resolved) if resolved else 0.0
    out["present jobs"] = present
    out["absent jobs"] = absent
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the baseline")
    parser.add_argument(
        "--weeks",
        choices=("report", "fit", "all"),
        default="report",
        help="the held-out weeks (default), the fitting weeks (to choose a parameter), or both",
    )
    parser.add_argument("--out", nargs="?", const=str(RESULTS), help="append results here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--drive", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.drive:
        drive(*(Path(p) for p in args.drive))
        return

    stories, pages = allsides.load()
    weeks = {
        "report": allsides.REPORT_WEEKS,
        "fit": allsides.FIT_WEEKS,
        "all": allsides.REPORT_WEEKS | allsides.FIT_WEEKS,
    }[args.weeks]
    scratch = Path(tempfile.mkdtemp(prefix="citebrief-bench-quality-"))
    folder = allsides.write_pages(pages, scratch / "pages")
    jobs = allsides.jobs(stories, weeks)
    jobs_file = scratch / "jobs.json"
    jobs_file.write_text(
        json.dumps(
            [
                {
                    "week": j.week,
                    "topic": j.topic,
                    "present": j.present,
                    "contested": j.contested,
                    "start": j.start.isoformat(),
                    "end": j.end.isoformat(),
                }
                for j in jobs
            ]
        ),
        encoding="utf-8",
    )
    log(f"{len(pages)} pages, {len(jobs)} jobs in weeks {sorted(weeks)}; scratch {scratch}")
    load_before = os.getloadavg()
    baseline = run_system(
        "baseline", checkout(args.baseline, scratch / "baseline"), scratch, folder, jobs_file
    )
    current = run_system("stories", ROOT / "src", scratch, folder, jobs_file)
    load_after = os.getloadavg()
    rows = {
        f"baseline ({args.baseline})": score(baseline, stories, pages, weeks),
        "stories (this commit)": score(current, stories, pages, weeks),
    }
    text = render(rows, args, baseline, current, load_before, load_after, weeks)
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as handle:
            handle.write("\n" + text)
        log(f"appended to {args.out}")
    if not args.keep:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)


def render(
    rows: dict[str, dict[str, float]],
    args: argparse.Namespace,
    baseline: dict[str, Any],
    current: dict[str, Any],
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
    weeks: frozenset[int],
) -> str:
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    metrics = [m for m in next(iter(rows.values())) if m not in ("present jobs", "absent jobs")]
    metrics = list(
        dict.fromkeys(["grouping precision", "grouping recall", "grouping F1", *metrics])
    )
    names = list(rows)
    held = {
        "report": "held out: never used to fit",
        "fit": "the fitting weeks",
        "all": "fitting and held-out",
    }[args.weeks]
    lines = [
        "## briefing_quality.py",
        "",
        f"{datetime.now(UTC).replace(microsecond=0).isoformat()}, commit `{commit}` (with "
        f"uncommitted changes if any), baseline `{args.baseline}`; ISO weeks {sorted(weeks)} of "
        f"2021 ({held}); "
        f"{int(rows[names[-1]]['present jobs'])} present-topic and "
        f"{int(rows[names[-1]]['absent jobs'])} absent-topic weeks. Load average "
        f"{'/'.join(f'{v:.1f}' for v in load_before)} before, "
        f"{'/'.join(f'{v:.1f}' for v in load_after)} after. Ingest {baseline['ingest_s']:.0f} s "
        f"/ {current['ingest_s']:.0f} s, briefings {baseline['briefings_s']:.0f} s / "
        f"{current['briefings_s']:.0f} s (baseline / stories).",
        "",
        "| metric | " + " | ".join(names) + " | target |",
        "|---|" + "---|" * len(names) + "---|",
    ]
    for metric in metrics:
        cells = []
        for name in names:
            value = rows[name].get(metric)
            cells.append("n/a" if value is None else f"{value:.3f}")
        target = TARGETS.get(metric)
        goal = f"{target[0]} {target[1]:.2f}" if target else ""
        if target and rows[names[-1]].get(metric) is not None:
            value = rows[names[-1]][metric]
            met = value >= target[1] if target[0] == ">=" else value <= target[1]
            goal += " met" if met else " **missed**"
        lines.append(f"| {metric} | " + " | ".join(cells) + f" | {goal} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
