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
  A logistic regression is fitted on those signals; the variant cosine, the probability
  threshold and the coverage minimum are chosen on a grid to maximise the mean of three
  briefing outcomes on the fitting weeks: the share of chosen stories on topic, the share of
  present-topic weeks answered and the share of absent-topic weeks refused. Which class
  weighting and regularisation the regression uses is chosen first, by the same mean with
  one fitting week left out at a time (``CONFIGS``). The coverage
  minimum is at least 0.5: a rule, not a fit (below it a topic absent from the corpus could
  pass on embeddings alone). The model for questions (``"questions"`` in the stored file) is
  kept as it is: the dev data holds topics, not questions.
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


Rows = list[tuple[allsides.Job, Finding, list[bool]]]


def briefing_counts(
    findings: Rows,
    probabilities: list[list[float]],
    threshold: float,
    min_coverage: float,
    adjudicated: bool = True,
) -> np.ndarray[Any, Any]:
    """What briefings that take the (up to three) stories clearing the threshold would do:
    chosen stories on topic, chosen stories, present-topic weeks, of them answered,
    absent-topic weeks, of them refused. With ``adjudicated``, a week whose stories include
    one judged about the topic is not counted as one where the topic is absent."""
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
    return np.array([chosen_on, chosen_all, present, answered, absent, refused])


def outcomes(counts: np.ndarray[Any, Any]) -> dict[str, float]:
    """The three briefing outcomes of ``briefing_counts`` and their mean, the objective."""
    chosen_on, chosen_all, present, answered, absent, refused = (int(c) for c in counts)
    out = {
        "on_topic": chosen_on / chosen_all if chosen_all else 0.0,
        "present_answered": answered / present if present else 0.0,
        "absent_refused": refused / absent if absent else 0.0,
    }
    out["objective"] = (out["on_topic"] + out["present_answered"] + out["absent_refused"]) / 3
    return out


def briefing_outcomes(
    findings: Rows, probabilities: list[list[float]], threshold: float, min_coverage: float
) -> dict[str, float]:
    return outcomes(briefing_counts(findings, probabilities, threshold, min_coverage))


# --- relevance -----------------------------------------------------------------------------------
# The logistic regressions tried: classes weighted to balance or not, and three strengths of
# regularisation (C). Which one is chosen by leave-one-week-out on the fitting weeks (each
# fitting week scored by a model fitted, with its threshold, on the other five): one fit on all
# of them is too noisy a judge, with 18 present-topic weeks a single week moves an outcome by
# 0.06, and the threshold grid is coarse where a class-balanced model's probabilities crowd.
CONFIGS = [
    {"class_weight": weighting, "C": c}
    for weighting in ("balanced", None)
    for c in (0.1, 1.0, 10.0)
]
VARIANTS = (0.5, 0.55, 0.6, 0.65)


def probabilities(rows: Rows, lr: Any) -> list[list[float]]:
    return [
        list(lr.predict_proba(np.array([s.signals.values() for s in f.scored]))[:, 1])
        if f.scored
        else []
        for _, f, _ in rows
    ]


def fit_relevance(by_variant: dict[float, Rows], config: dict[str, Any]) -> dict[str, Any]:
    """A logistic regression of the configuration per variant cosine, with the variant cosine,
    threshold and coverage minimum that maximise the objective on ``by_variant``'s weeks."""
    from sklearn.linear_model import LogisticRegression

    best: dict[str, Any] = {}
    for variant, rows in by_variant.items():
        x = np.array([s.signals.values() for _, f, _ in rows for s in f.scored])
        y = np.array([on for _, _, labels in rows for on in labels])
        lr = LogisticRegression(
            class_weight=config["class_weight"], C=config["C"], max_iter=3000
        ).fit(x, y)
        probs = probabilities(rows, lr)
        for threshold in np.arange(0.3, 0.99, 0.02):
            for min_coverage in COVERAGE:
                outcome = briefing_outcomes(rows, probs, float(threshold), min_coverage)
                if not best or outcome["objective"] > best["fit"]["objective"]:  # first of equals
                    best = {
                        "variant": variant,
                        "lr": lr,
                        "threshold": round(float(threshold), 2),
                        "min_coverage": min_coverage,
                        "fit": outcome,
                    }
    return best


def cross_validate(by_variant: dict[float, Rows], config: dict[str, Any]) -> dict[str, float]:
    """Leave one fitting week out: fit on the others, score it; the weeks' outcomes pooled."""
    counts = np.zeros(6, dtype=int)
    for week in sorted(allsides.FIT_WEEKS):
        others = {v: [r for r in rows if r[0].week != week] for v, rows in by_variant.items()}
        chosen = fit_relevance(others, config)
        held = [r for r in by_variant[chosen["variant"]] if r[0].week == week]
        probs = probabilities(held, chosen["lr"])
        counts += briefing_counts(held, probs, chosen["threshold"], chosen["min_coverage"])
    return outcomes(counts)


def kept_questions() -> dict[str, Any]:
    """The stored question model, which the fit keeps as it is (see the module's docstring)."""
    try:
        questions: dict[str, Any] = json.loads(MODEL.read_text(encoding="utf-8"))["questions"]
        params.relevance_model(
            questions,
            f"the question model in {MODEL}",
            "this script does not refit it; fit one on questions with these features and"
            " store it under 'questions' first",
        )
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise SystemExit(
            f"{MODEL} holds no question model to keep ({exc!r}): restore the file "
            f"(git checkout -- {MODEL}) before refitting"
        ) from exc
    except ValueError as exc:  # fitted on other features: says which and how to fix
        raise SystemExit(str(exc)) from exc
    return questions


def main(keep_grouping: bool = False) -> None:
    """Fit grouping and relevance; with ``keep_grouping``, relevance only (the grid over the
    grouping parameters takes most of the time, and only the relevance features changed)."""
    started = time.perf_counter()
    questions = kept_questions()  # before the long fit: a missing one stops it at once
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
            best_grouping = params.load().grouping
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
        candidates: dict[float, dict[str, Rows]] = {}
        for variant in VARIANTS:
            model = RelevanceModel((0.0,) * len(StorySignals.FEATURES), 0.0, 0.5, 0.0, variant)
            evidence = replace(ws.evidence, grouping=best_grouping, topics=model)
            per: dict[str, Rows] = defaultdict(list)
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

    fitting = {variant: splits["fit"] for variant, splits in candidates.items()}
    validated = []
    for config in CONFIGS:
        validated.append((config, cross_validate(fitting, config)))
        log(f"relevance: {config} -> leave-one-week-out {validated[-1][1]}")
    config = max(validated, key=lambda v: v[1]["objective"])[0]  # the first of equals
    chosen = fit_relevance(fitting, config)
    chosen["config"], chosen["validated"] = config, validated
    splits = candidates[chosen["variant"]]
    probs = {name: probabilities(rows, chosen["lr"]) for name, rows in splits.items()}
    for name in ("report", "fit (AllSides labels)", "report (AllSides labels)"):
        chosen[name] = briefing_outcomes(
            splits[name], probs[name], chosen["threshold"], chosen["min_coverage"]
        )
    # the trade-off the chosen threshold sits on, with the chosen variant and coverage minimum
    curve = []
    low = max(0.3, chosen["threshold"] - 0.1)
    for threshold in np.arange(low, min(0.99, low + 0.21), 0.02):
        row: dict[str, Any] = {"threshold": round(float(threshold), 2)}
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
        # the question model is not fitted here: the dev data has topics, no questions
        "questions": questions,
    }
    MODEL.write_text(json.dumps(stored, indent=1) + "\n", encoding="utf-8")
    write_report(best_grouping, grouping_rows, chosen, stored, time.perf_counter() - started)
    log(f"wrote {MODEL} and {REPORT}")


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
        f"{seconds / 60:.1f} minutes.",
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
        f"Logistic regression: {chosen['config']}, chosen by leave-one-week-out on the fitting "
        "weeks (each week scored by the model, variant cosine, threshold and coverage minimum "
        "fitted on the other five; outcomes pooled: on topic / answered / refused, and their "
        "mean):",
        "",
        "| class weight | C | leave-one-week-out |",
        "|---|---|---|",
        *(
            f"| {c['class_weight']} | {c['C']} | "
            f"{o['on_topic']:.3f} / {o['present_answered']:.3f} / {o['absent_refused']:.3f}, "
            f"{o['objective']:.3f} |"
            for c, o in chosen["validated"]
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
        "Questions (`ask`, chat) are judged by a model of their own, kept as it is by this "
        f"script (the dev data has topics, no questions): `{stored['questions']}`.",
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
