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


# angle brackets and their lookalikes (full-width, small, CJK, mathematical, guillemets)
_ANGLES = str.maketrans(
    {
        "\uff1c": "<", "\ufe64": "<", "\u3008": "<", "\u2329": "<", "\u27e8": "<",
        "\u2039": "<", "\uff1e": ">", "\ufe65": ">", "\u3009": ">", "\u232a": ">",
        "\u27e9": ">", "\u203a": ">",
    }
)  # fmt: skip
_KEY_MARKER = re.compile(r"\[\s*([A-Za-z]{1,3}\d{1,4})\s*\]")


def untrusted(text: str, *, attribute: bool = False) -> str:
    """Text from a page, a feed or an earlier answer, safe inside a fence: every angle bracket
    (and lookalike) is escaped, so no tag can open or close whatever spaces, tabs or full-width
    forms it is written with; a "[S1]" in it becomes "(S1)", never a citation key; in an
    attribute, quotes are escaped too."""
    text = _KEY_MARKER.sub(r"(\1)", text.translate(_ANGLES))
    return html.escape(text, quote=attribute)


def fence_passages(passages: list[tuple[str, str, str]]) -> str:
    """(key, label, text) triples as <passage> blocks; text and label are ``untrusted``."""
    return "\n\n".join(
        f'<passage key="{key}" source="{untrusted(label, attribute=True)}">\n'
        f"{untrusted(text)}\n</passage>"
        for key, label, text in passages
    )


def fence_stories(stories: list[tuple[str, str, list[tuple[str, str, str]]]]) -> str:
    """(key, outlets, passages) as <story> blocks of <passage> blocks (``fence_passages``)."""
    return "\n\n".join(
        f'<story key="{key}" outlets="{untrusted(outlets, attribute=True)}">\n'
        f"{fence_passages(passages)}\n</story>"
        for key, outlets, passages in stories
    )


def fence_conversation(history: str) -> str:
    """Earlier turns of a chat (answers quote articles) as one ``untrusted`` block."""
    return f"<conversation>\n{untrusted(history)}\n</conversation>"
