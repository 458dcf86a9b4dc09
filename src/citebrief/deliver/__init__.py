"""Getting the weekly briefings to their readers: a static archive with an Atom feed
(``archive``), and email over SMTP (``mail``)."""
