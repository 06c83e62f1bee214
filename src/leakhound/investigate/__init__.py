"""Access-log forensics for the exposure window: who read the store, what they did, how much.

``investigate(logs, Options(...))`` streams access, audit, database, flow and cloud logs into
per-source counters and returns an ``Investigation``; ``render`` shows it; ``hooks`` give
assess, notify and the HTML report what they quote.
"""

from .model import Estimate, Investigation, Source, Summary, from_dict, to_dict
from .run import Options, investigate

__all__ = [
    "Estimate",
    "Investigation",
    "Options",
    "Source",
    "Summary",
    "from_dict",
    "investigate",
    "to_dict",
]
