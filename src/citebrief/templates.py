"""Prompt templates: Markdown files in ``prompts/`` (shipped inside the package) with named
``{variables}``; ``{{`` and ``}}`` are literal braces. Rendering checks that the variables the
code passes are exactly the ones the template uses."""

from __future__ import annotations

import html
import re
from importlib import resources

from citebrief.errors import ConfigError

VARIABLES: dict[str, frozenset[str]] = {
    "briefing": frozenset({"today", "window", "takeaways", "topic", "passages"}),
    "answer": frozenset({"today", "question", "passages"}),
    "judge": frozenset({"claim", "evidence"}),
    "condense": frozenset({"history", "question"}),
}
_VARIABLE = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")
_PASSAGE_TAG = re.compile(r"<(/?)\s*(passage|story)", re.I)
_TOKEN = re.compile(r"\{\{|\}\}|\{([a-z_]+)\}")


def load(name: str) -> str:
    try:
        return (resources.files("citebrief") / "prompts" / f"{name}.md").read_text("utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            f"prompt template {name!r} is missing", hint="reinstall citebrief"
        ) from exc


def variables(template: str) -> set[str]:
    return set(_VARIABLE.findall(template))


def render(name: str, **values: object) -> str:
    template = load(name)
    expected = variables(template)
    if set(values) != expected:
        raise ValueError(f"prompt {name!r} takes {sorted(expected)}, got {sorted(values)}")

    def substitute(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return str(values[match.group(1)])

    return _TOKEN.sub(substitute, template)


def fence_passages(passages: list[tuple[str, str, str]]) -> str:
    """(key, label, text) triples as <passage> blocks. Text and label come from untrusted pages:
    a passage or story tag inside them (any case) is defused, and the label cannot leave its
    quotes."""
    blocks = []
    for key, label, text in passages:
        safe_text = _PASSAGE_TAG.sub(_defuse, text)
        safe_label = html.escape(label, quote=True)
        blocks.append(f'<passage key="{key}" source="{safe_label}">\n{safe_text}\n</passage>')
    return "\n\n".join(blocks)


def fence_stories(stories: list[tuple[str, str, list[tuple[str, str, str]]]]) -> str:
    """(key, outlets, passages) as <story> blocks of <passage> blocks (``fence_passages``)."""
    return "\n\n".join(
        f'<story key="{key}" outlets="{html.escape(outlets, quote=True)}">\n'
        f"{fence_passages(passages)}\n</story>"
        for key, outlets, passages in stories
    )


def _defuse(match: re.Match[str]) -> str:
    """'</passage' -> '</ passage', '<passage' -> '< passage' (in any case)."""
    return f"<{match.group(1)} {match.group(2)}" if match.group(1) else f"< {match.group(2)}"
