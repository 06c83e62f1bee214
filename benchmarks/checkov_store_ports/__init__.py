"""Checkov loads checks only from a folder that is a package."""
