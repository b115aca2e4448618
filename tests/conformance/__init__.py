"""Conformance suites: our own cases, checked against a real client."""
