"""Fit story grouping and story relevance on the AllSides dev stories, store them as data
(``src/citebrief/data/stories.json``) with a report (``evals/results/stories-fit.md``).

    python evals/fit_stories.py [--keep-grouping]

Protocol: the 602 articles of ``../shared/data/allsides-dev`` are rendered as pages and ingested
with the product into a temporary home (real SQLite, Chroma and the local model). Parameters
are chosen on the fitting weeks only (even ISO weeks of 2021) and reported on both:

- grouping: a grid over the weights of the similarity, the linkage and the threshold, scored
  against the AllSides story ids, each week grouped as the product does (with the week before
  as context);
- relevance: for every (week, topic) job of the fitting weeks (topics with two or more stories
  that week, and major topics with none), the product's ``find_stories`` gives each candidate
  story its signals; a story is on topic when most of its articles' AllSides stories are about
  the topic: filed under it by AllSides, or judged about it by hand
  (``evals/allsides_judgments.json``: AllSides files each story under one topic only).
  A logistic regression is fitted on those signals (class-balanced); the variant cosine, the
  probability threshold and the coverage minimum are chosen on a grid to maximise the mean of
  three briefing outcomes on the fitting weeks: the share of chosen stories on topic, the share
  of present-topic weeks answered and the share of absent-topic weeks refused. The coverage
  minimum is at least 0.5: a rule, not a fit (below it a topic absent from the corpus could
  pass on embeddings alone).
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "evals"))

import allsides  # noqa: E402

from citebrief import load_settings, open_workspace  # noqa: E402
from citebrief.models import Window  # noqa: E402
from citebrief.stories import params  # noqa: E402
from citebrief.stories.cluster import GroupingParams, Item, Signals, group  # noqa: E402
from citebrief.stories.find import find_stories  # noqa: E402
from citebrief.stories.relevance import Finding, RelevanceModel  # noqa: E402
from citebrief.stories.relevance import Signals as StorySignals  # noqa: E402
from citebrief.stories.update import CONTEXT_DAYS, article_vectors  # noqa: E402

MODEL = ROOT / "src" / "citebrief" / "data" / "stories.json"
REPORT = ROOT / "evals" / "results" / "stories-fit.md"
TAKEAWAYS = 3
# A story must hold at least half the topic's weight in key terms (a rule, not a fit: without
# it a topic absent from the corpus could pass on embeddings alone); the fit picks among these
COVERAGE = (0.5, 0.6, 0.75)


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- grouping ------------------------------------------------------------------------------------
def pairwise(predicted: dict[str, str], gold: dict[str, int]) -> tuple[float, float, float]:
    ids = sorted(gold)
    tp = fp = fn = 0
    for a, b in itertools.combinations(ids, 2):
        same_p, same_g = predicted[a] == predicted[b], gold[a] == gold[b]
        tp += same_p and same_g
        fp += same_p and not same_g
        fn += same_g and not same_p
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def batches(items: list[Item]) -> list[tuple[list[Item], Signals]]:
    """The week-by-week batches ``stories.update`` groups (a week and the seven days before
    it), with their signals computed once."""
    out = []
    mondays = sorted({i.day - date.fromordinal(i.day).weekday() for i in items})
    for monday in mondays:
        batch = [i for i in items if monday - CONTEXT_DAYS <= i.day <= monday + 6]
        out.append((batch, Signals.of(batch)))
    return out


def simulate(weeks: list[tuple[list[Item], Signals]], params: GroupingParams) -> dict[str, str]:
    """Group week by week as ``stories.update`` does, in memory."""
    stories: dict[str, str] = {}
    for batch, signals in weeks:
        stories.update(group([replace(i, story=stories.get(i.id)) for i in batch], params, signals))
    return stories


def grid() -> list[GroupingParams]:
    out = []
    for embed, tfidf, names, numbers, title in itertools.product(
        (0.15, 0.3, 0.5), (0.7, 0.85), (0.0, 0.15, 0.3), (0.0, 0.1), (0.0, 0.2, 0.4)
    ):
        for days, tolerance in ((0.3, 0), (0.3, 1), (0.15, 0), (0.2, 1), (0.3, 2)):
            for threshold, linkage in itertools.product(
                np.arange(0.6, 0.96, 0.02), ("complete", "average")
            ):
                out.append(
                    GroupingParams(
                        embed,
                        tfidf,
                        names,
                        numbers,
                        title,
                        days,
                        tolerance,
                        round(float(threshold), 2),
                        linkage,
                    )
                )
    return out


# --- relevance ------------------------------------------------------------------------------------
def label(
    story_articles: tuple[str, ...], story_of: dict[str, int], topics: allsides.Topics, topic: str
) -> bool:
    """A story is about the topic when most of its articles' AllSides stories are."""
    votes = [topics.about(story_of[a], topic) for a in story_articles if a in story_of]
    return sum(votes) * 2 > len(votes)


def briefing_outcomes(
    findings: list[tuple[allsides.Job, Finding, list[bool]]],
    probabilities: list[list[float]],
    threshold: float,
    min_coverage: float,
    adjudicated: bool = True,
) -> dict[str, float]:
    """Outcomes of briefings that take the (up to three) stories clearing the threshold: with
    ``adjudicated``, a week whose stories include one judged about the topic is not counted
    as one where the topic is absent."""
    chosen_on = chosen_all = present = answered = absent = refused = 0
    for (job, finding, labels), probs in zip(findings, probabilities, strict=True):
        if adjudicated and job.contested:
            continue
        picks = [
            (p, on)
            for s, p, on in zip(finding.scored, probs, labels, strict=True)
            if p >= threshold and s.signals.coverage >= min_coverage
        ]
        picks.sort(key=lambda x: -x[0])
        picks = picks[:TAKEAWAYS]
        if job.present:
            present += 1
            answered += bool(picks)
            chosen_on += sum(on for _, on in picks)
            chosen_all += len(picks)
        else:
            absent += 1
            refused += not picks
    on_topic = chosen_on / chosen_all if chosen_all else 0.0
    out = {
        "on_topic": on_topic,
        "present_answered": answered / present if present else 0.0,
        "absent_refused": refused / absent if absent else 0.0,
    }
    out["objective"] = (out["on_topic"] + out["present_answered"] + out["absent_refused"]) / 3
    return out


def main(keep_grouping: bool = False) -> None:
    """Fit grouping and relevance; with ``keep_grouping``, relevance only (the grid over the
    grouping parameters takes most of the time, and only the relevance features changed)."""
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    stories, pages = allsides.load()
    topics = allsides.Topics(stories, adjudicated=True)
    strict = allsides.Topics(stories, adjudicated=False)
    scratch = Path(tempfile.mkdtemp(prefix="citebrief-fit-stories-"))
    folder = allsides.write_pages(pages, scratch / "pages")
    settings = load_settings(home=scratch / "home", chroma_url=None)
    with open_workspace(settings, verifier="lexical") as ws:
        log(f"ingesting {len(pages)} pages into {scratch}")
        report = ws.ingest([folder])
        log(f"ingested: {len(report.items)} items, {len(report.failed)} failed")
        page_of = allsides.pages_of(ws.corpus.db, pages)
        articles = ws.corpus.story_articles_between("", "9999")
        gold = {a.id: page_of[a.id].story for a in articles if a.id in page_of}
        log(f"{len(gold)} of {len(articles)} articles matched to their pages")
        vectors = article_vectors(
            ws.corpus, articles, ws.index.embeddings.embed_documents, ws.index.model
        )
        items = [
            Item.of(a.id, date.fromisoformat(a.day).toordinal(), a.title, a.text, vectors[a.id])
            for a in articles
        ]
        week_of = {a.id: date.fromisoformat(a.day).isocalendar()[1] for a in articles}
        prepared = batches(items)

        def score(params: GroupingParams, weeks: frozenset[int]) -> tuple[float, float, float]:
            found = simulate(prepared, params)
            ids = {a: s for a, s in gold.items() if week_of[a] in weeks}
            return pairwise(found, ids)

        if keep_grouping:
            log("grouping: the shipped parameters (--keep-grouping)")
            best_grouping = params.load()[0]
        else:
            log("grouping: grid search on the fitting weeks")
            results = []
            for tried_params in grid():
                p, r, f = score(tried_params, allsides.FIT_WEEKS)
                results.append((f, p, r, tried_params))
            results.sort(key=lambda x: -x[0])
            best_grouping = results[0][3]
            for linkage in ("complete", "average"):
                best = next(r for r in results if r[3].linkage == linkage)
                log(f"best with {linkage} linkage: fit F1 {best[0]:.3f}, {best[3]}")
        grouping_rows = {
            "fitting weeks": score(best_grouping, allsides.FIT_WEEKS),
            "reporting weeks": score(best_grouping, allsides.REPORT_WEEKS),
            "all weeks": score(best_grouping, allsides.FIT_WEEKS | allsides.REPORT_WEEKS),
        }
        log(f"grouping: {best_grouping} -> {grouping_rows}")

        # regroup the corpus with the fitted parameters
        ws.corpus.db.execute("DELETE FROM story_articles")
        ws.corpus.db.execute("DELETE FROM stories")
        from citebrief.stories.update import update_stories

        update_stories(
            ws.corpus, ws.index.embeddings.embed_documents, ws.index.model, best_grouping
        )

        all_jobs = allsides.jobs(stories, allsides.FIT_WEEKS | allsides.REPORT_WEEKS)
        candidates: dict[float, dict[str, list[tuple[allsides.Job, Finding, list[bool]]]]] = {}
        for variant in (0.5, 0.55, 0.6, 0.65):
            model = RelevanceModel((0.0,) * len(StorySignals.FEATURES), 0.0, 0.5, 0.0, variant)
            evidence = replace(ws.evidence, grouping=best_grouping, relevance=model)
            per: dict[str, list[tuple[allsides.Job, Finding, list[bool]]]] = defaultdict(list)
            for job in all_jobs:
                finding = find_stories(job.topic, evidence, Window(job.start, job.end))
                labels = [label(s.story.articles, gold, topics, job.topic) for s in finding.scored]
                by_label = [
                    label(s.story.articles, gold, strict, job.topic) for s in finding.scored
                ]
                split = "fit" if job.week in allsides.FIT_WEEKS else "report"
                per[split].append((job, finding, labels))
                per[split + " (AllSides labels)"].append((job, finding, by_label))
            candidates[variant] = per
            log(f"relevance: signals with variant cosine {variant} for {len(all_jobs)} jobs")

    tried: list[dict[str, Any]] = []
    for variant, splits in candidates.items():
        fit = splits["fit"]
        x = np.array([s.signals.values() for _, f, _ in fit for s in f.scored])
        y = np.array([on for _, _, labels in fit for on in labels])
        lr = LogisticRegression(class_weight="balanced", max_iter=2000).fit(x, y)
        fit_probs = probabilities(fit, lr)
        for threshold in np.arange(0.3, 0.99, 0.02):
            for min_coverage in COVERAGE:
                outcome = briefing_outcomes(fit, fit_probs, float(threshold), min_coverage)
                tried.append(
                    {
                        "variant": variant,
                        "lr": lr,
                        "threshold": round(float(threshold), 2),
                        "min_coverage": min_coverage,
                        "fit": outcome,
                    }
                )
    chosen = max(tried, key=lambda t: t["fit"]["objective"])  # the first of equals
    splits = candidates[chosen["variant"]]
    probs = {name: probabilities(rows, chosen["lr"]) for name, rows in splits.items()}
    for name in ("report", "fit (AllSides labels)", "report (AllSides labels)"):
        chosen[name] = briefing_outcomes(
            splits[name], probs[name], chosen["threshold"], chosen["min_coverage"]
        )
    # the trade-off the chosen threshold sits on, with the chosen variant and coverage minimum
    curve = []
    for threshold in np.arange(0.8, 0.99, 0.02):
        row = {"threshold": round(float(threshold), 2)}
        for name in ("fit", "report"):
            row[name] = briefing_outcomes(
                splits[name], probs[name], row["threshold"], chosen["min_coverage"]
            )
        curve.append(row)
    chosen["curve"] = curve
    lr = chosen["lr"]
    stored = {
        "fitted": datetime.now(UTC).date().isoformat(),
        "by": "evals/fit_stories.py on ../shared/data/allsides-dev (fitting weeks only)",
        "grouping": asdict(best_grouping),
        "relevance": {
            "features": list(StorySignals.FEATURES),
            "weights": [round(float(w), 4) for w in lr.coef_[0]],
            "bias": round(float(lr.intercept_[0]), 4),
            "threshold": chosen["threshold"],
            "min_coverage": chosen["min_coverage"],
            "variant": chosen["variant"],
        },
    }
    MODEL.write_text(json.dumps(stored, indent=1) + "\n", encoding="utf-8")
    write_report(best_grouping, grouping_rows, chosen, stored, time.perf_counter() - started)
    log(f"wrote {MODEL} and {REPORT}")


def probabilities(
    rows: list[tuple[allsides.Job, Finding, list[bool]]], lr: Any
) -> list[list[float]]:
    return [
        list(lr.predict_proba(np.array([s.signals.values() for s in f.scored]))[:, 1])
        if f.scored
        else []
        for _, f, _ in rows
    ]


def write_report(
    grouping: GroupingParams,
    grouping_rows: dict[str, tuple[float, float, float]],
    chosen: dict[str, Any],
    stored: dict[str, Any],
    seconds: float,
) -> None:
    lines = [
        "# How story grouping and relevance were fitted",
        "",
        f"Fitted {stored['fitted']} by `evals/fit_stories.py` on the AllSides dev stories: "
        f"parameters chosen on the fitting weeks (ISO weeks {sorted(allsides.FIT_WEEKS)} of "
        f"2021), reported on those and on the other weeks ({sorted(allsides.REPORT_WEEKS)}). "
        f"{seconds / 60:.0f} minutes.",
        "",
        "## Grouping",
        "",
        f"Parameters: `{grouping}`.",
        "",
        "| weeks | pairwise precision | recall | F1 |",
        "|---|---|---|---|",
        *(f"| {k} | {p:.3f} | {r:.3f} | {f:.3f} |" for k, (p, r, f) in grouping_rows.items()),
        "",
        "## Relevance",
        "",
        f"Model: `{stored['relevance']}`.",
        "",
        "| weeks | chosen stories on topic | present-topic weeks answered "
        "| absent-topic weeks refused |",
        "|---|---|---|---|",
        *(
            f"| {k} | {chosen[k]['on_topic']:.3f} | {chosen[k]['present_answered']:.3f} "
            f"| {chosen[k]['absent_refused']:.3f} |"
            for k in ("fit", "report", "fit (AllSides labels)", "report (AllSides labels)")
        ),
        "",
        "Other thresholds, same model, variant cosine and coverage minimum (on topic / answered "
        "/ refused, and their mean, the objective):",
        "",
        "| threshold | fitting weeks | report weeks |",
        "|---|---|---|",
        *(
            f"| {row['threshold']:.2f} | "
            + " | ".join(
                f"{row[k]['on_topic']:.3f} / {row[k]['present_answered']:.3f} / "
                f"{row[k]['absent_refused']:.3f}, {row[k]['objective']:.3f}"
                for k in ("fit", "report")
            )
            + " |"
            for row in chosen["curve"]
        ),
        "",
        "On topic: most of the story's articles are about the asked topic: filed under it by "
        "AllSides, or judged about it by hand (`evals/allsides_judgments.json`); the rows "
        "'(AllSides labels)' count only AllSides's own topic. "
        "`benchmarks/briefing_quality.py` measures the briefings themselves.",
        "",
    ]
    REPORT.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument(
        "--keep-grouping",
        action="store_true",
        help="refit relevance alone, with the shipped grouping parameters (~3 min)",
    )
    main(keep_grouping=parser.parse_args().keep_grouping)
