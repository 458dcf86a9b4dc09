"""Human-labelled citation-support data sets (pure): AttributionBench and ExpertQA formats.

ExpertQA labels map ``Complete`` to supported and ``Partial``, ``Incomplete``, ``Missing`` to not
supported; ``N/A`` and claims without evidence are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from citebrief.errors import UsageError
from citebrief.evaluation.metrics import remove_citations

EXPERTQA_SUPPORTED = {"Complete": True, "Partial": False, "Incomplete": False, "Missing": False}


@dataclass(frozen=True, slots=True)
class Example:
    claim: str
    passages: list[str]
    supported: bool
    source: str  # data set (and sub-set)


def _evidence_text(evidence: str) -> str:
    """ExpertQA evidence is "[n] URL\\n\\npassage": keep the passage."""
    head, sep, rest = evidence.partition("\n\n")
    return rest if sep and head.lstrip().startswith("[") else evidence


def read_records(lines: Iterable[str], name: str) -> Iterator[Example]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(
                f"{name}:{number}: not JSON ({exc.msg})",
                hint="give a .jsonl file, one record per line",
            ) from exc
        if "attribution_label" in record:
            yield Example(
                claim=remove_citations(str(record["claim"])).strip(),
                passages=[str(r) for r in record.get("references", [])],
                supported=record["attribution_label"] == "attributable",
                source=f"attributionbench/{record.get('src_dataset', '?')}",
            )
        elif "answers" in record:
            for answer in record["answers"].values():
                for claim in answer.get("claims") or []:
                    label = EXPERTQA_SUPPORTED.get(str(claim.get("support")))
                    evidence = claim.get("evidence") or []
                    if label is None or not evidence:
                        continue
                    yield Example(
                        claim=remove_citations(str(claim["claim_string"])).strip(),
                        passages=[_evidence_text(str(e)) for e in evidence],
                        supported=label,
                        source="expertqa",
                    )
        else:
            raise UsageError(
                f"{name}:{number}: neither AttributionBench nor ExpertQA format",
                hint="records need 'attribution_label' (AttributionBench) or 'answers' (ExpertQA)",
            )


def read_dataset(path: Path) -> list[Example]:
    try:
        with path.open(encoding="utf-8") as handle:
            return list(read_records(handle, path.name))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}", hint="check the path") from exc
