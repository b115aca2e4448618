"""dplat: a container-oriented local data platform sandbox."""

__version__ = "0.1.0"
