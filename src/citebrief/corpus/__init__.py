"""The corpus: articles and their passages, kept in SQLite (``store``, with numbered
``migrations``) beside a keyword index (``fts`` queries) and a vector index (``vectors``:
Chroma; ``embeddings``: the models). ``chunking`` and ``dedup`` are the pure rules of what is
stored; ``sync`` keeps the vector index in step; ``manage`` checks, removes and re-indexes.
"""
