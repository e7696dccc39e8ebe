"""The offline bundle's opening language in real headless Chromium: ``?lang=`` / ``#lang=`` of the address
first, then the stored choice (the toggle), then the phone's language; ``index.html?lang=en`` works offline.

Fixtures (``phone``, ``server``, ``placed``) come from tests/browser/conftest.py.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

READY = "window.balise && window.balise.data && document.querySelectorAll('[data-poi-id]').length > 0"
RESET_TEXT = {"fr": "Réinitialiser la balade", "en": "Reset walk"}


def open_bundle(page, url: str):
    response = page.goto(url)
    page.wait_for_function(READY)
    return response


def shown_language(page) -> str:
    """The language the app shows (its <html lang> and a translated button must agree)."""
    lang = page.get_attribute("html", "lang")
    assert page.inner_text("#reset-walk") == RESET_TEXT[lang]
    return lang


@pytest.mark.parametrize("locale, expected", [("fr-FR", "fr"), ("fr-CA", "fr"), ("en-GB", "en"), ("de-DE", "en")])
def test_without_a_choice_the_phone_language_decides(phone, server, locale, expected):
    page = phone(locale=locale, service_workers="block").new_page()
    open_bundle(page, server + "index.html")
    assert shown_language(page) == expected


@pytest.mark.parametrize("suffix", ["index.html?lang=en", "index.html#lang=en", "?lang=en"])
def test_the_address_parameter_wins_over_the_phone_language(phone, server, suffix):
    page = phone(locale="fr-FR", service_workers="block").new_page()
    open_bundle(page, server + suffix)
    assert shown_language(page) == "en"
    assert page.get_attribute("#lang-toggle", "lang") == "fr"


def test_the_stored_choice_wins_over_the_phone_language_and_the_address_updates_it(phone, server):
    page = phone(locale="en-GB", service_workers="block").new_page()
    open_bundle(page, server + "index.html")
    assert shown_language(page) == "en"
    page.click("#lang-toggle")  # the walker chooses French: kept for the next visits
    assert shown_language(page) == "fr"
    open_bundle(page, server + "index.html")
    assert shown_language(page) == "fr"
    open_bundle(page, server + "index.html?lang=en")  # a link in English (the circuit page's) is a choice too
    assert shown_language(page) == "en"
    open_bundle(page, server + "index.html")
    assert shown_language(page) == "en"


def test_lang_query_is_served_offline_and_shows_english(phone, server, placed):
    ctx = phone(locale="fr-FR")
    page = ctx.new_page()
    open_bundle(page, server + "index.html")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    assert shown_language(page) == "fr"
    page.wait_for_function("document.documentElement.dataset.offline === 'ready'", timeout=30_000)
    ctx.set_offline(True)
    for url in (server + "index.html?lang=en", server + "?lang=en"):
        response = open_bundle(page, url)
        assert response is not None and response.from_service_worker, url
        assert shown_language(page) == "en"
        assert page.locator("[data-poi-id]").count() == len(placed.stops)
    page.click("#lang-toggle")
    assert shown_language(page) == "fr"
