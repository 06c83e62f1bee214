"""Counting what detection finds: sample summaries (``summary.py``), full-read tallies
(``tally.py``), distinct values (``distinct.py``) and who counts as a person (``people.py``)."""
