"""Trails: model, GPX in, metrics, corridor attachment, filters, assembly.

Depends on :mod:`poi`; knows nothing of exporters or the web.
"""
