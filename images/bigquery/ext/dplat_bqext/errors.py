"""The error a transform raises for a query BigQuery refuses."""


class RewriteError(ValueError):
    """The query is one BigQuery refuses; the message is BigQuery's."""
