"""Plugins, one file each, named by kind (Fluentd's layout): ``in_*.py``
inputs, ``filter_*.py`` filters, ``out_*.py`` outputs, ``buf_*.py`` buffer
types, ``formatters.py``/``formatter_*.py`` formatters. Each registers itself
with ``@register("name")`` (registry.py) on the bases of base.py.
"""
