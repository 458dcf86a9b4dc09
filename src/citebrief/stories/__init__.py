"""Stories: what a window holds about a topic.

``retrieve`` (I/O) and ``rank`` (pure) find the passages of a query; ``cluster`` (pure) groups
articles into stories, one news event each, and ``update`` keeps those groups in the corpus;
``relevance`` (pure) judges whether a story is about a topic on its evidence, ``find`` (I/O)
gathers that evidence for the stories of a window, and ``select`` (pure) picks the stories that
become takeaways, or says why none would. ``params`` loads the fitted parameters.
"""
