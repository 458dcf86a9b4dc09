"""Briefings and answers: ``retrieve`` (I/O) and ``rank`` (pure) choose the passages, a writer
drafts (``writers``: extractive; ``llm_writer``: an LLM), ``briefing`` verifies each sentence and
``assemble`` applies the citation contract (``citations``); ``render`` writes Markdown, HTML and
JSON; ``answer`` answers questions in a conversation; ``weekly`` writes a topic file's briefings.
"""
