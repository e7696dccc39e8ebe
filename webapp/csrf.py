"""Stub: being written by engineer M."""


def init_app(app):
    pass
