"""Evaluation: citation metrics (``metrics``, after ALCE), labelled data sets (``datasets``),
scoring saved briefings and verifiers (``score``), reports (``report``) and suites with a stored
baseline, the CI gate (``suite``).
"""
