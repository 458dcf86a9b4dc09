"""The interactive chat: a terminal session over the corpus (the I/O edge of ``answer``).

Line editing and history come from readline (history kept under CITEBRIEF_HOME). Ctrl-D, Ctrl-C
at the prompt and /quit leave cleanly; Ctrl-C while an answer is being written cancels that
answer only.
"""

from __future__ import annotations

import contextlib
import difflib
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from rich.console import Console

from citebrief import dates
from citebrief.brief.answer import Condenser, condense_by_llm, condense_by_rule
from citebrief.brief.llm_writer import OpenAIWriter
from citebrief.brief.render import (
    answer_markdown,
    conversation_markdown,
    source_about,
    sources_markdown,
)
from citebrief.corpus.store import Corpus
from citebrief.errors import CitebriefError
from citebrief.files import write_atomically
from citebrief.llm import ChatClient
from citebrief.models import Conversation, Turn, Writer
from citebrief.settings import Settings
from citebrief.text import plural
from citebrief.workspace import Workspace, open_workspace

COMMANDS = {
    "/sources": "the sources of the last answer",
    "/show": "/show N: the passage of source N in its context, with its link",
    "/since": "/since 7d (or a date, or 'all'): change the date window",
    "/clear": "forget the conversation",
    "/save": "/save FILE: save the conversation as Markdown with sources",
    "/help": "this list",
    "/quit": "leave (Ctrl-D works too)",
}
CONTEXT_CHARS = 300


def _setup_readline(history: Path) -> Callable[[], None]:
    try:
        import readline
    except ImportError:  # no line editing on this platform; the chat still works
        return lambda: None
    history.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError, OSError):
        readline.read_history_file(history)
    readline.set_history_length(1000)

    def save() -> None:
        with contextlib.suppress(OSError):
            readline.write_history_file(history)

    return save


def condenser_for(writer: Writer) -> Condenser:
    """Follow-ups are rewritten by the writer's LLM when it has one, else by the rule."""
    if isinstance(writer, OpenAIWriter):
        return partial(_condense_llm, client=writer.client)
    return condense_by_rule


@dataclass
class ChatSession:
    settings: Settings
    console: Console
    writer_name: str | None = None
    conversation: Conversation | None = None

    def run(self, read: Callable[[str], str] = input) -> int:
        save_history = _setup_readline(self.settings.home / "chat_history")
        self.conversation = self.conversation or Conversation()
        with open_workspace(self.settings) as ws:  # one verifier for the session, made on use
            writer = ws.writer(self.writer_name)
            condense = condenser_for(writer)
            self.console.print(
                f"citebrief chat · {writer.name} writer · {self.conversation.window.label()} · "
                "/help for commands, Ctrl-D to leave",
                style="dim",
                highlight=False,
            )
            try:
                while True:
                    try:
                        line = read("you> ").strip()
                    except EOFError:
                        self.console.print()
                        return 0
                    except KeyboardInterrupt:
                        self.console.print()
                        return 0
                    if not line:
                        continue
                    if line.startswith("/"):
                        if self.command(line, ws.corpus) == "quit":
                            return 0
                        continue
                    self.ask(line, ws, writer, condense)
            finally:
                save_history()

    def ask(self, question: str, ws: Workspace, writer: Writer, condense: Condenser) -> None:
        assert self.conversation is not None
        streamed = False

        def on_token(text: str) -> None:
            nonlocal streamed
            streamed = True
            self.console.print(text, end="", style="dim", highlight=False, markup=False)

        try:
            turn = ws.ask(
                question,
                self.conversation,
                writer=writer,
                condense=condense,
                on_token=on_token,
            )
        except KeyboardInterrupt:
            self.console.print(
                "\n[answer cancelled]", style="yellow", highlight=False, markup=False
            )
            return
        except CitebriefError as exc:
            self.console.print(
                ("\n" if streamed else "") + exc.one_line(),
                style="red",
                highlight=False,
                markup=False,
            )
            return
        if streamed:
            self.console.print()
        self.show_answer(turn)

    def show_answer(self, turn: Turn) -> None:
        self.console.print(answer_markdown(turn, with_sources=False), highlight=False, markup=False)
        if turn.answer is not None:
            self.console.print(
                sources_markdown(turn.answer), style="dim", highlight=False, markup=False
            )

    def command(self, line: str, corpus: Corpus) -> str | None:
        assert self.conversation is not None
        name, _, arg = line.partition(" ")
        arg = arg.strip()
        say = partial(self.console.print, highlight=False, markup=False)
        if name in ("/quit", "/exit", "/q"):
            return "quit"
        if name == "/help":
            for command, text in COMMANDS.items():
                say(f"{command:<9} {text}")
        elif name == "/clear":
            self.conversation.turns.clear()
            say("conversation cleared")
        elif name == "/since":
            try:
                self.conversation.window = dates.window(arg or "all")
            except CitebriefError as exc:
                say(exc.one_line())
                return None
            say(f"window: {self.conversation.window.label()}")
        elif name == "/sources":
            last = self._last_answer()
            if last is not None and last.answer is not None:
                say(sources_markdown(last.answer))
        elif name == "/show":
            self._show(arg, corpus, say)
        elif name == "/save":
            self._save(arg, say)
        else:
            guess = difflib.get_close_matches(name, [*COMMANDS, "/exit"], n=1, cutoff=0.5)
            hint = f"; did you mean {guess[0]}?" if guess else ""
            say(f"unknown command {name}{hint} (/help lists the commands)")
        return None

    def _last_answer(self) -> Turn | None:
        assert self.conversation is not None
        for turn in reversed(self.conversation.turns):
            if turn.answer is not None:
                return turn
        self.console.print("no answer with sources yet: ask a question first", highlight=False)
        return None

    def _show(self, arg: str, corpus: Corpus, say: Callable[..., None]) -> None:
        last = self._last_answer()
        if last is None or last.answer is None:
            return
        numbers = {s.number: s for s in last.answer.sources}
        if not arg.isdigit() or int(arg) not in numbers:
            say(f"usage: /show N, with N one of {', '.join(map(str, numbers))}")
            return
        source = numbers[int(arg)]
        article = corpus.get(source.article_id)
        if article is None:
            say(f"source {arg} was removed from the corpus")
            return
        say(f"[{source.number}] {source_about(source)}")
        for quote in source.quotes:  # each cited passage in its context, the cited words bold
            before = article.text[max(0, quote.start - CONTEXT_CHARS) : quote.start]
            after = article.text[quote.end : quote.end + CONTEXT_CHARS]
            self.console.print("…" + before, style="dim", end="", highlight=False, markup=False)
            at = quote.start
            for start, end in sorted(quote.marks):
                self.console.print(article.text[at:start], end="", highlight=False, markup=False)
                self.console.print(
                    article.text[start:end], style="bold", end="", highlight=False, markup=False
                )
                at = end
            self.console.print(article.text[at : quote.end], end="", highlight=False, markup=False)
            self.console.print(after + "…", style="dim", highlight=False, markup=False)
        say(f"link: {source.url}")

    def _save(self, arg: str, say: Callable[..., None]) -> None:
        assert self.conversation is not None
        if not arg:
            say("usage: /save FILE")
            return
        target = Path(os.path.expanduser(arg))
        try:
            write_atomically(target, conversation_markdown(self.conversation.turns))
        except OSError as exc:
            say(f"cannot save to {target}: {exc.strerror}")
            return
        say(f"saved {plural(len(self.conversation.turns), 'turn')} to {target}")


def _condense_llm(question: str, conversation: Conversation, client: ChatClient) -> str:
    try:
        return condense_by_llm(question, conversation, client)
    except Exception:  # a failed rewrite must not lose the question: fall back to the rule
        return condense_by_rule(question, conversation)
