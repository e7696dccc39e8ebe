"""Exporters: every module has ``export(trail, stops, *, options) -> bytes | str``.

Depends on :mod:`trails` and :mod:`poi`; knows nothing of the web.
"""
