"""Visitors' feedback: ratings, comments and problem reports held for moderation, rate limit, honeypot, CSRF,
photos, XSS, and the staff moderation page. Data: the ``catalogue`` fixture of tests/test_api.py and the real
photo of tests/data/bundle/ (see its README).
"""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from webapp import staff_store
from webapp.feedback_store import FeedbackStore
from webapp.staff_store import StaffStore

from test_api import catalogue  # noqa: F401  (fixture)

from helpers import open_db

PASSWORD = "sentier du Tournel 1907"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def leg(catalogue):  # noqa: F811
    return catalogue["Le Bateau - Arlix"]


@pytest.fixture
def feedback(db_path):
    db = open_db(db_path)
    yield FeedbackStore(db)
    db.conn.close()


@pytest.fixture
def staff(app, db_path, monkeypatch):
    monkeypatch.setattr(staff_store, "PASSWORD_METHOD", "pbkdf2:sha256:1000")  # fast hashes in tests
    db = open_db(db_path)
    StaffStore(db).add_user("marie", PASSWORD, role="editor")
    db.conn.close()


def token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def send(client, trail_id: int, lang: str = "fr", **fields):
    data = {"csrf_token": token(client, f"/trails/{trail_id}"), **fields}
    return client.post(f"/trails/{trail_id}/feedback?lang={lang}", data=data, content_type="multipart/form-data")


def login(client):
    response = client.post("/login", data={"username": "marie", "password": PASSWORD,
                                           "csrf_token": token(client, "/login")})
    assert response.status_code in (302, 303)


def photo_bytes(data) -> bytes:
    return (data / "bundle" / "photo_720px_f3-discovery-board.jpg").read_bytes()


# -- sending --------------------------------------------------------------------------------------------------
def test_circuit_page_has_the_form_with_csrf_and_honeypot(client, leg):
    html = client.get(f"/trails/{leg}?lang=en").get_data(as_text=True)
    form = re.search(r'<form class="feedback-form".*?</form>', html, re.S).group(0)
    assert f'action="/trails/{leg}/feedback#feedback-form"' in form and 'enctype="multipart/form-data"' in form
    assert 'name="csrf_token"' in form and 'name="website"' in form
    for value in ("fallen_tree", "missing_waymark", "damaged_path", "other"):
        assert f'value="{value}"' in form
    assert "No opinion yet" in html
    for control in re.findall(r'<(?:input|select|textarea)[^>]+id="(fb-[^"]+)"', form):
        assert f'for="{control}"' in form, control


@pytest.mark.parametrize("path, level", [("/trails/{leg}", 3), ("/trails/{leg}/feedback", 2)])
def test_form_heading_follows_the_page_outline(client, leg, path, level):
    html = client.get(path.format(leg=leg) + "?lang=en").get_data(as_text=True)
    title = re.search(r'<h(\d) id="feedback-form-title">', html)
    headings = [int(h) for h in re.findall(r"<h(\d)[ >]", html[:title.end()])]
    assert headings[-1] == level and level <= max(headings[:-1]) + 1  # no skipped level (axe heading-order)


def test_a_review_is_held_until_approved(client, leg, feedback):
    response = send(client, leg, kind="review", rating="4", comment="Très beau, ombragé.", author="Léa")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/trails/{leg}/feedback/thanks")
    assert "Thank you" in client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    [fb] = feedback.messages("pending")
    assert (fb.kind, fb.rating, fb.comment, fb.author, fb.status) == ("review", 4, "Très beau, ombragé.", "Léa",
                                                                      "pending")
    assert fb.client and "127.0.0.1" not in fb.client  # the address is never stored
    assert "Très beau" not in client.get(f"/trails/{leg}").get_data(as_text=True)
    feedback.set_status(fb.id, "approved", by="test")
    html = client.get(f"/trails/{leg}?lang=fr").get_data(as_text=True)
    assert "Très beau, ombragé." in html and "Léa" in html
    assert "4,0 sur 5" in html and "(1 avis)" in html


def test_average_of_approved_ratings_only(client, leg, feedback, app):
    app.config["FEEDBACK_MAX_PER_HOUR"] = 10
    for rating in ("5", "4", "1"):
        assert send(client, leg, kind="review", rating=rating).status_code == 303
    ids = [f.id for f in feedback.messages("pending")]
    feedback.set_status(ids[0], "approved", by="t")
    feedback.set_status(ids[1], "approved", by="t")
    feedback.set_status(ids[2], "rejected", by="t")
    html = client.get(f"/trails/{leg}?lang=en").get_data(as_text=True)
    assert 'data-average="4.5" data-count="2"' in html and "4.5 out of 5" in html and "(2 ratings)" in html


def test_a_problem_report_with_a_photo(client, leg, feedback, data, db_path):
    response = send(client, leg, kind="problem", problem="fallen_tree", comment="Un chêne en travers après Arlix.",
                    photo=(io.BytesIO(photo_bytes(data)), "IMG_2024.jpg"))
    assert response.status_code == 303
    [fb] = feedback.messages("pending")
    assert fb.kind == "problem" and fb.problem == "fallen_tree"
    assert re.fullmatch(r"media/[0-9a-f]{64}\.jpg", fb.photo)  # content-addressed, never the upload's name
    stored = db_path.parent / fb.photo
    with Image.open(stored) as img:
        assert img.format == "JPEG"
    feedback.set_status(fb.id, "approved", by="t")
    html = client.get(f"/trails/{leg}?lang=en").get_data(as_text=True)
    assert "Problems reported by walkers" in html and "fallen tree" in html and "Un chêne en travers" in html


@pytest.mark.parametrize("fields, message", [
    ({"kind": "review"}, "choose a rating from 1 to 5"),
    ({"kind": "review", "rating": "6"}, "choose a rating from 1 to 5"),
    ({"kind": "review", "rating": "0"}, "choose a rating from 1 to 5"),
    ({"kind": "problem", "comment": "arbre"}, "choose the kind of problem"),
    ({"kind": "problem", "problem": "volcano", "comment": "lave"}, "choose the kind of problem"),
    ({"kind": "problem", "problem": "other"}, "describe the problem"),
    ({"kind": "gossip"}, "choose a rating or a problem report"),
    ({"kind": "review", "rating": "3", "comment": "x" * 2001}, "too long"),
])
def test_bad_messages_are_refused_with_the_reason_and_keep_the_input(client, leg, feedback, fields, message):
    response = send(client, leg, lang="en", **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'role="alert"' in html
    if fields.get("comment") and len(fields["comment"]) < 100:
        assert fields["comment"] in html
    assert feedback.messages() == []


def test_photo_type_and_size_are_checked(client, leg, feedback, app):
    response = send(client, leg, kind="problem", problem="other", comment="Panneau cassé",
                    photo=(io.BytesIO(b"%PDF-1.4 not a photo"), "panneau.jpg"))
    assert response.status_code == 400 and feedback.messages() == []
    app.config["FEEDBACK_PHOTO_MAX_MB"] = 0.01
    big = io.BytesIO()
    Image.effect_noise((200, 200), 80).convert("RGB").save(big, "PNG")
    response = send(client, leg, kind="problem", problem="other", comment="Panneau cassé",
                    photo=(io.BytesIO(big.getvalue()), "panneau.png"), lang="en")
    assert response.status_code in (400, 413) and feedback.messages() == []


def media_left(db_path) -> tuple[list, int]:
    """The files of the media folder and the rows of the media table (what a refused photo must not leave)."""
    folder = db_path.parent / "media"
    db = open_db(db_path)
    try:
        files = sorted(folder.rglob("*")) if folder.exists() else []
        return files, db.execute("SELECT COUNT(*) FROM media").fetchone()[0]
    finally:
        db.conn.close()


def test_photo_only_with_problem_reports(client, leg, feedback, data, db_path):
    response = send(client, leg, kind="review", rating="5", photo=(io.BytesIO(photo_bytes(data)), "a.jpg"), lang="en")
    assert response.status_code == 400 and "problem reports only" in response.get_data(as_text=True)
    assert media_left(db_path) == ([], 0) and feedback.messages() == []  # the refused photo left nothing


def test_an_8900_pixel_square_png_is_refused_from_its_header(client, leg, feedback, db_path, monkeypatch):
    """Issue 10's memory bomb: 307 KB of PNG announcing 8900 x 8900 RGBA (317 MB decoded). It is refused with
    the reason before any pixel is decoded, and leaves no file, media row nor message (the RSS figure: bench)."""
    from test_media import header_only_png

    monkeypatch.setattr(Image.Image, "load", lambda self: pytest.fail("decoded the bomb"))
    response = send(client, leg, kind="problem", problem="other", comment="Panneau arraché au col", lang="en",
                    photo=(io.BytesIO(header_only_png(8900, 8900)), "panneau.png"))
    assert response.status_code == 400
    assert "8900x8900 pixels is too large; resize it under 50 megapixels" in response.get_data(as_text=True)
    assert media_left(db_path) == ([], 0) and feedback.messages() == []


def test_decoded_size_cap_and_busy_slots(client, app, leg, feedback, data, db_path, monkeypatch):
    from webapp import upload_slots

    app.config["FEEDBACK_PHOTO_DECODE_MB"] = 0.5  # the real 720 x 480 photo takes 1 MB decoded
    response = send(client, leg, kind="problem", problem="other", comment="Panneau cassé", lang="en",
                    photo=(io.BytesIO(photo_bytes(data)), "p.jpg"))
    assert response.status_code == 400 and "once decoded, over the 1 MB limit" in response.get_data(as_text=True)
    app.config.update(FEEDBACK_PHOTO_DECODE_MB=100, FEEDBACK_PHOTO_SLOTS=1)
    monkeypatch.setattr(upload_slots, "SLOT_WAIT_S", 0.01)
    slots = upload_slots.pool("feedback", 1)
    assert slots.acquire(timeout=1)  # another visitor's photo is being decoded
    try:
        busy = send(client, leg, kind="problem", problem="other", comment="Panneau cassé", lang="en",
                    photo=(io.BytesIO(photo_bytes(data)), "p.jpg"))
    finally:
        slots.release()
    assert busy.status_code == 503 and busy.headers["Retry-After"] and "again in a minute" in busy.get_data(as_text=True)
    assert media_left(db_path) == ([], 0) and feedback.messages() == []
    assert send(client, leg, kind="problem", problem="other", comment="Panneau cassé",
                photo=(io.BytesIO(photo_bytes(data)), "p.jpg")).status_code == 303  # a free slot: accepted


def test_posts_without_csrf_token_are_refused(client, leg, feedback):
    client.get(f"/trails/{leg}")
    response = client.post(f"/trails/{leg}/feedback", data={"kind": "review", "rating": "5"})
    assert response.status_code == 400 and feedback.messages() == []
    response = client.post(f"/trails/{leg}/feedback", data={"kind": "review", "rating": "5", "csrf_token": "forged"})
    assert response.status_code == 400 and feedback.messages() == []


def test_honeypot_posts_are_thanked_and_dropped(client, leg, feedback):
    response = send(client, leg, kind="review", rating="5", comment="cheap pills", website="http://spam.example")
    assert response.status_code == 303 and feedback.messages() == []


def test_rate_limit_per_address(app, client, leg, feedback):
    for _ in range(5):
        assert send(client, leg, kind="review", rating="3").status_code == 303
    response = send(client, leg, kind="review", rating="3", lang="en")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "Too many messages" in response.get_data(as_text=True)
    assert len(feedback.messages()) == 5
    other = app.test_client()  # another address is not limited
    data = {"csrf_token": token(other, f"/trails/{leg}"), "kind": "review", "rating": "3"}
    response = other.post(f"/trails/{leg}/feedback", data=data, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 303


def test_rate_limit_window_slides(feedback):
    assert [feedback.take_slot("c", limit=2, window_s=3600, now=t) for t in (0, 10)] == [0, 0]
    assert feedback.take_slot("c", limit=2, window_s=3600, now=20) == pytest.approx(3580)
    assert feedback.take_slot("c", limit=2, window_s=3600, now=3601) == 0  # the first one has left the window


def test_unpublished_trail_takes_no_feedback(client, catalogue, feedback):  # noqa: F811
    hidden = catalogue["La vallée du Tarn (à VTT)"]
    leg = catalogue["Le Bateau - Arlix"]
    data = {"csrf_token": token(client, f"/trails/{leg}"), "kind": "review", "rating": "5"}
    assert client.post(f"/trails/{hidden}/feedback", data=data).status_code == 404
    assert client.get(f"/trails/{hidden}/feedback").status_code == 404
    assert feedback.messages() == []


def test_comments_are_inert(client, leg, feedback, staff):
    send(client, leg, kind="review", rating="2", comment=XSS, author='"><svg onload=alert(2)>')
    send(client, leg, kind="problem", problem="other", comment=XSS)
    login(client)
    page = client.get("/editor/feedback").get_data(as_text=True)
    for html in (page,):
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    for fb in feedback.messages("pending"):
        feedback.set_status(fb.id, "approved", by="t")
    html = client.get(f"/trails/{leg}").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


# -- moderation -----------------------------------------------------------------------------------------------
def test_moderation_needs_login(client, leg):
    response = client.get("/editor/feedback")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post("/editor/feedback/1", data={"action": "approve", "csrf_token": token(client, "/login")})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_approve_and_reject_with_problem_reports_flagged(client, leg, feedback, staff, data):
    send(client, leg, kind="review", rating="5", comment="Superbe")
    send(client, leg, kind="problem", problem="missing_waymark", comment="Plus de balise au carrefour",
         photo=(io.BytesIO(photo_bytes(data)), "p.jpg"))
    login(client)
    html = client.get("/editor/feedback?lang=en").get_data(as_text=True)
    assert "Superbe" in html and "Plus de balise au carrefour" in html
    assert re.search(r'data-kind="problem" class="problem">.*?Problem report: missing waymark', html, re.S)
    assert "pending (2)" in html
    review, problem = feedback.messages("pending")
    photo = client.get(f"/editor/feedback/{problem.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert client.get(f"/editor/feedback/{review.id}/photo").status_code == 404
    csrf = token(client, "/editor/feedback")
    response = client.post(f"/editor/feedback/{review.id}", data={"action": "approve", "csrf_token": csrf})
    assert response.status_code == 303
    response = client.post(f"/editor/feedback/{problem.id}", data={"action": "reject", "csrf_token": csrf})
    assert feedback.get(review.id).status == "approved" and feedback.get(review.id).moderated_by == "marie"
    assert feedback.get(problem.id).status == "rejected"
    html = client.get(f"/trails/{leg}").get_data(as_text=True)
    assert "Superbe" in html and "Plus de balise" not in html
    assert "No message here" in client.get("/editor/feedback?lang=en").get_data(as_text=True)
    approved = client.get("/editor/feedback?status=approved&lang=en").get_data(as_text=True)
    assert "Superbe" in approved and "approved by marie on " in approved
    approved_fr = client.get("/editor/feedback?status=approved&lang=fr").get_data(as_text=True)
    assert "approuvé par marie le " in approved_fr and "approuvés par" not in approved_fr
    rejected_fr = client.get("/editor/feedback?status=rejected&lang=fr").get_data(as_text=True)
    assert "refusé par marie le " in rejected_fr and "refusés par" not in rejected_fr
    assert client.post(f"/editor/feedback/{review.id}", data={"action": "explode", "csrf_token": csrf}).status_code \
        == 400
    assert client.post("/editor/feedback/99999", data={"action": "approve", "csrf_token": csrf}).status_code == 404
    assert client.post(f"/editor/feedback/{review.id}", data={"action": "reject"}).status_code == 400  # no CSRF
    assert client.get("/editor/feedback?status=everything").status_code == 404


def test_feedback_goes_with_its_trail(leg, feedback, db_path):
    from helpers import open_db as _open
    from trails.store import TrailStore
    from webapp.feedback_store import Feedback

    feedback.add(Feedback(trail_id=leg, kind="review", rating=3))
    TrailStore(_open(db_path)).delete(leg)
    assert feedback.messages() == []
