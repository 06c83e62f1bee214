"""Service probes: one module per kind of data store."""
