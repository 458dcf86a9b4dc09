"""Ingest: SOURCE arguments to stored articles.

``sources`` expands arguments into items, ``fetch`` downloads (the HTTP edge), ``extract`` and
``feeds`` read pages, feeds and sitemaps (pure), ``urls`` names articles (pure), and
``pipeline.ingest`` runs it all into the corpus.
"""
