"""Why relevance fails where it fails: every (week, topic) job of the AllSides dev weeks that
the shipped model gets wrong (a present topic refused, an absent one answered), sorted into
causes, with its top candidate stories.

    python evals/relevance_misses.py

Ingests the 602 dev articles into a temporary home (removed afterwards) as ``fit_stories.py``
does (about a minute), runs the product's ``find_stories`` on each job with the shipped
parameters, and prints per split (fitting, reporting weeks) the causes of the misses, a
threshold sweep, then each miss of the reporting weeks. Jobs whose absent topic is judged
present by hand (``contested``) are left out, as in the fit report. Nothing is fitted or
written.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "evals"))

import allsides  # noqa: E402
import fit_stories  # noqa: E402

from citebrief import load_settings, open_workspace  # noqa: E402
from citebrief.models import Window  # noqa: E402
from citebrief.stories.find import find_stories  # noqa: E402
from citebrief.stories.relevance import Finding, Scored  # noqa: E402


@dataclass(frozen=True, slots=True)
class Candidate:
    scored: Scored
    about: bool  # most of its articles' AllSides stories are about the topic (adjudicated)
    filed: list[str]  # the AllSides topics its articles' stories are filed under


def cause(rows: list[Candidate], threshold: float, min_coverage: float) -> str:
    """Why a present topic was refused, judged on its candidates labelled about the topic."""
    labelled = [r for r in rows if r.about]
    if not labelled:
        return "no story about the topic among the candidates"
    if any(r.scored.probability >= threshold for r in labelled):
        return "a story about it clears the model, blocked by key-term coverage"
    if any(r.scored.signals.coverage >= min_coverage for r in labelled):
        return "a story about it covers the terms, probability below the threshold"
    return "the stories about it lack the key terms"


def sweep(
    jobs: list[tuple[allsides.Job, Finding, list[Candidate]]],
    weeks: frozenset[int],
    threshold: float,
    min_coverage: float,
) -> dict[str, float]:
    """Briefing outcomes at another threshold, counted by ``fit_stories.briefing_outcomes``."""
    mine = [(job, finding, rows) for job, finding, rows in jobs if job.week in weeks]
    return fit_stories.briefing_outcomes(
        [(job, finding, [r.about for r in rows]) for job, finding, rows in mine],
        [[r.scored.probability for r in rows] for _, _, rows in mine],
        threshold,
        min_coverage,
    )


def main() -> None:
    stories, pages = allsides.load()
    topics = allsides.Topics(stories, adjudicated=True)
    label_of = {s.id: s.topic for s in stories}
    jobs: list[tuple[allsides.Job, Finding, list[Candidate]]] = []
    with (
        tempfile.TemporaryDirectory(prefix="citebrief-relevance-misses-") as tmp,
        open_workspace(
            load_settings(home=Path(tmp) / "home", chroma_url=None), verifier="lexical"
        ) as ws,
    ):
        folder = allsides.write_pages(pages, Path(tmp) / "pages")
        ws.ingest([folder])
        gold = {a: p.story for a, p in allsides.pages_of(ws.corpus.db, pages).items()}
        model = ws.evidence.topics
        for job in allsides.jobs(stories, allsides.FIT_WEEKS | allsides.REPORT_WEEKS):
            if job.contested:
                continue
            finding = find_stories(job.topic, ws.evidence, Window(job.start, job.end))
            rows = [
                Candidate(
                    s,
                    fit_stories.label(s.story.articles, gold, topics, job.topic),
                    sorted({label_of[gold[a]] for a in s.story.articles if a in gold}),
                )
                for s in finding.scored
            ]
            jobs.append((job, finding, rows))
    for split, weeks in (("fitting", allsides.FIT_WEEKS), ("reporting", allsides.REPORT_WEEKS)):
        present = absent = 0
        refused: Counter[str] = Counter()
        answered: Counter[str] = Counter()
        for job, finding, rows in jobs:
            if job.week not in weeks:
                continue
            if job.present:
                present += 1
                if not finding.on_topic:
                    refused[cause(rows, model.threshold, model.min_coverage)] += 1
            else:
                absent += 1
                answered.update([job.topic] if finding.on_topic else [])
        print(f"\n{split} weeks: {sum(refused.values())} of {present} present topics refused")
        for reason, n in refused.most_common():
            print(f"  {n}  {reason}")
        print(f"{sum(answered.values())} of {absent} absent topics answered: {dict(answered)}")
    print(f"\nthreshold sweep (coverage minimum {model.min_coverage}; shipped {model.threshold}):")
    print("threshold  split      chosen on topic  present answered  absent refused")
    for threshold in (0.86, 0.88, 0.90, 0.92, 0.94, 0.96, 0.98):
        for split, weeks in (("fitting", allsides.FIT_WEEKS), ("reporting", allsides.REPORT_WEEKS)):
            out = sweep(jobs, weeks, threshold, model.min_coverage)
            print(
                f"{threshold:9.2f}  {split:9}  {out['on_topic']:15.3f}"
                f"  {out['present_answered']:16.3f}  {out['absent_refused']:14.3f}"
            )
    print("\nmisses of the reporting weeks (top four candidates each)")
    for job, finding, rows in jobs:
        wrong = bool(finding.on_topic) != job.present
        if job.week not in allsides.REPORT_WEEKS or not wrong:
            continue
        kind = "present, refused" if job.present else "absent, answered"
        print(f"\nweek {job.week} {job.topic!r}: {kind}; missing terms {finding.missing}")
        for row in rows[:4]:
            s, g = row.scored, row.scored.signals
            print(
                f"  p={s.probability:.3f} about={row.about!s:5} dense={g.dense:.2f} "
                f"exact={g.exact:.2f} coverage={g.coverage:.2f} title={g.title:.2f} "
                f"filed={row.filed} | {s.story.title[:70]}"
            )


if __name__ == "__main__":
    main()
