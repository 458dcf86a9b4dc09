"""citebrief: analytic briefings whose every claim cites an exact source passage."""

__version__ = "0.1.0"
