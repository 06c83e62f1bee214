"""leakhound: find open data stores and measure the personal data they expose."""

__version__ = "0.1.0"
