"""The acceptance page in a real browser (Debian's chromium through selenium): what the client
sees on a phone (390 px) and on a desktop (1,280 px), in its language and the other, Confirm,
and the dead link after it. Screenshots of each are kept in the test's directory."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from linkdesk.mail.outgoing import invitation_builder
from linkdesk.web.accept import make_web_app, start_site
from store import Store
from store.validate import Details
from tests.browser import SHOTS, browser  # noqa: F401 - the fixture
from tests.helpers import add_client, make_preparer

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
async def invited(sqlite_url):
    """A French client of a firm with its contact details, invited; the link served here."""
    store = await Store.open(sqlite_url)
    runner = await start_site(make_web_app(store), "127.0.0.1", 0)
    port = runner.addresses[0][1]
    try:
        firm = await make_preparer(store, firm="Cabinet Tremblay & Fils")
        books = await store.network.firm_books(firm.firm_id)
        await store.network.update_profile(
            books, Details("Cabinet Tremblay & Fils", "bonjour@tremblay.ca", "+14185550100"),
            by=firm.id)
        client_id = await add_client(store, firm.firm_id, first_name="Émilie",
                                     last_name="Gagnon", email="emilie@example.com",
                                     language="fr")
        links = []

        def builder(link):
            links.append(link)
            return invitation_builder(
                firm_name="Cabinet Tremblay & Fils", sender_address="portail@tremblay.ca",
                recipient_name="Émilie Gagnon", recipient_address="emilie@example.com",
                subject="Invitation", body="Bonjour", language="fr")(link)

        await store.invitations.invite(client_id, 2025, firm.id, f"http://127.0.0.1:{port}",
                                       "emilie@example.com", "fr", builder)
        await store.invitations.delivered(await store.invitations.claim(), "250 OK")
        yield store, client_id, links[-1]
    finally:
        await runner.cleanup()
        await store.close()


def _luminance(css: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+(?:\.\d+)?", css)[:3])

    def channel(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def look(driver, width: int, height: int, url: str, shot) -> dict:
    """Open `url` at this size, keep a screenshot, and read what a client would see."""
    driver.set_window_size(width, height)
    driver.get(url)
    driver.save_screenshot(str(shot))
    return driver.execute_script("""
        const button = document.querySelector('button');
        const style = (el) => el ? getComputedStyle(el) : null;
        const b = style(button), body = style(document.body);
        const main = style(document.querySelector('main'));
        return {
          lang: document.documentElement.lang,
          title: document.title,
          h1: [...document.querySelectorAll('h1')].map(h => h.innerText),
          text: document.body.innerText,
          overflow: document.documentElement.scrollWidth - window.innerWidth,
          scripts: document.scripts.length,
          button: button ? {tag: button.tagName, type: button.type, text: button.innerText,
                            width: button.getBoundingClientRect().width,
                            color: b.color, background: b.backgroundColor} : null,
          mainWidth: document.querySelector('main').getBoundingClientRect().width,
          bodyColor: body.color, mainBackground: main.backgroundColor,
          links: [...document.querySelectorAll('a')]
            .map(a => [a.innerText, a.getAttribute('href')]),
        };""")


async def test_the_page_a_client_meets_on_a_phone_and_a_desktop(browser, invited,  # noqa: F811
                                                                tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    store, client_id, link = invited

    async def see(width, height, url, name):
        return await asyncio.to_thread(look, browser, width, height, url, tmp_path / name)

    for width, height in ((390, 844), (1280, 900)):
        page = await see(width, height, link, f"invitation-{width}.png")
        assert page["lang"] == "fr-CA" and page["scripts"] == 0
        assert page["h1"] == ["Cabinet Tremblay & Fils vous invite à son portail client"]
        assert "Cabinet Tremblay & Fils invite Émilie Gagnon à son portail client" in page["text"]
        assert "Ce que fait votre acceptation" in page["text"] and "Et ensuite" in page["text"]
        assert "communiquera avec vous" in page["text"]  # no portal here: the firm calls
        assert ["bonjour@tremblay.ca", "mailto:bonjour@tremblay.ca"] in page["links"]
        assert ["(418) 555-0100", "tel:+14185550100"] in page["links"]
        assert ["English", "?lang=en"] in page["links"]
        assert page["overflow"] <= 0, f"the page scrolls sideways at {width} px"
        button = page["button"]
        assert (button["tag"], button["type"], button["text"]) == (
            "BUTTON", "submit", "Confirmer et accepter")
        assert contrast(button["color"], button["background"]) >= 4.5
        assert contrast(page["bodyColor"], page["mainBackground"]) >= 4.5
        if width == 390:  # a thumb's target: the button spans the card
            assert button["width"] >= page["mainWidth"] - 48
        else:  # a card of reading width in the middle of a desktop screen
            assert page["mainWidth"] <= 700

    # The keyboard reaches the button, and its focus shows.
    def focus_ring() -> str:
        body = browser.find_element(By.TAG_NAME, "body")
        for _ in range(10):
            body.send_keys(Keys.TAB)
            active = browser.switch_to.active_element
            if active.tag_name == "button":
                return browser.execute_script(
                    "const s = getComputedStyle(document.activeElement);"
                    "return s.outlineStyle + ' ' + s.outlineWidth;")
        return ""

    assert (await asyncio.to_thread(focus_ring)).startswith("solid 3")

    # The other language, from its link: nothing accepted by looking.
    english = await see(390, 844, link + "?lang=en", "invitation-en-390.png")
    assert english["lang"] == "en-CA"
    assert english["h1"] == ["Cabinet Tremblay & Fils invites you to its client portal"]
    assert ["Français", "?lang=fr"] in english["links"]
    assert (await store.clients.statuses_of([client_id], 2025))[client_id] == "pending"

    # Confirm, with the mouse, in French.
    def confirm():
        browser.get(link)
        browser.find_element(By.TAG_NAME, "button").click()
        browser.save_screenshot(str(tmp_path / "accepted-390.png"))
        return browser.find_element(By.TAG_NAME, "body").text

    done = await asyncio.to_thread(confirm)
    assert "Invitation acceptée" in done
    assert "Merci, Émilie Gagnon. Votre invitation de Cabinet Tremblay & Fils est acceptée." in done
    assert "bonjour@tremblay.ca" in done
    assert (await store.clients.statuses_of([client_id], 2025))[client_id] == "accepted"

    # The link again, and in the other language from the accepted page: when it was accepted.
    again = await see(390, 844, link + "?lang=en", "accepted-again-en-390.png")
    assert again["h1"] == ["Invitation accepted"]
    assert "You accepted the invitation from Cabinet Tremblay & Fils on" in again["text"]

    # An unknown link: the dead-link page, in both languages, naming nobody.
    dead_link = link.rsplit("/", 1)[0] + "/no-such-link"
    for width, height in ((390, 844), (1280, 900)):
        dead = await see(width, height, dead_link, f"dead-{width}.png")
        assert dead["h1"] == ["This invitation link can no longer be used",
                              "Ce lien d'invitation ne peut plus être utilisé"]
        assert "Demandez une nouvelle invitation" in dead["text"]
        assert "Ask the firm that invited you for a new invitation" in dead["text"]
        assert "Tremblay" not in dead["text"] and "Émilie" not in dead["text"]
        assert dead["overflow"] <= 0
    for name in ("invitation-390.png", "invitation-1280.png", "accepted-390.png",
                 "dead-1280.png"):
        assert (tmp_path / name).stat().st_size > 5_000  # a real picture of a real page


def _shots(tmp_path: Path) -> Path:
    """Where the walk's screenshots go: LINKDESK_TEST_SHOTS to keep and look at them, else the
    test's own directory."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        return Path(SHOTS)
    return tmp_path


async def test_a_clients_walk_from_the_email_to_the_portal(browser, sqlite_url,  # noqa: F811
                                                          tmp_path):
    """The email as a mail reader shows it (its HTML part), its button, the invitation,
    Confirm, and "Continue to the portal" to the firm's portal, in English and in French, on
    a phone: a screenshot of each step."""
    from email import message_from_bytes
    from email.policy import default

    from aiohttp import web
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.wait import WebDriverWait

    from linkdesk.mail.outgoing import request_for
    from store.validate import Details

    async def portal_page(_request):
        return web.Response(text="<!doctype html><title>Portal</title><h1>The firm's portal</h1>",
                            content_type="text/html")

    portal_app = web.Application()
    portal_app.router.add_get("/", portal_page)
    portal_site = await start_site(portal_app, "127.0.0.1", 0)
    portal = f"http://127.0.0.1:{portal_site.addresses[0][1]}/"
    store = await Store.open(sqlite_url)
    page_site = await start_site(make_web_app(store, portal=portal), "127.0.0.1", 0)
    base = f"http://127.0.0.1:{page_site.addresses[0][1]}"
    shots = _shots(tmp_path)
    try:
        firm = await make_preparer(store, firm="Atelier Tremblay & Fils")
        books = await store.network.firm_books(firm.firm_id)
        await store.network.update_profile(
            books, Details("Atelier Tremblay & Fils", "bonjour@tremblay.ca", "+14185550100"),
            by=firm.id)
        mails = {}
        # An individual in English; in French an organization (its page says it joins the
        # network) whose firm's name starts with a vowel ("d'Atelier", never "de Atelier").
        for language, names in {"en": dict(first_name="Olivia", last_name="Smith",
                                           email="olivia@example.com"),
                                "fr": dict(organization_name="Érablière Gagnon",
                                           email="compta@erabliere.ca",
                                           phone="418-555-0142")}.items():
            client_id = await add_client(store, firm.firm_id, language=language, **names)
            client = await store.clients.details(client_id)
            await store.invitations.invite_many(
                [request_for(client, 2025, firm_name="Atelier Tremblay & Fils",
                             preparer_name="Marie Tremblay", sender_address="portail@tremblay.ca",
                             reply_to="bonjour@tremblay.ca", portal=portal)], firm.id, base)
            job = await store.invitations.claim()
            await store.invitations.delivered(job, "250 OK")
            message = message_from_bytes(job.raw, policy=default)
            mails[language] = shots / f"walk-{language}-0-email.html"
            mails[language].write_text(message.get_body(("html",)).get_content(),
                                       encoding="utf-8")

        words = {"en": ("Start / Sign in", "Confirm and accept", "Continue to the portal"),
                 "fr": ("Démarrer / Ouvrir une session", "Confirmer et accepter",
                        "Continuer vers le portail")}

        def walk(language: str) -> list[str]:
            start, confirm, go_on = words[language]
            seen = []

            def step(name: str) -> None:
                browser.save_screenshot(str(shots / f"walk-{language}-{name}.png"))
                seen.append(browser.find_element(By.TAG_NAME, "body").text)

            browser.set_window_size(390, 844)
            browser.get(mails[language].as_uri())
            step("1-email")
            browser.find_element(By.LINK_TEXT, start).click()
            WebDriverWait(browser, 20).until(shown.presence_of_element_located(
                (By.TAG_NAME, "form")))
            step("2-invitation")
            button = browser.find_element(By.TAG_NAME, "button")
            assert button.text == confirm
            button.click()
            WebDriverWait(browser, 20).until(shown.presence_of_element_located(
                (By.CSS_SELECTOR, "a.button")))
            step("3-accepted")
            browser.find_element(By.LINK_TEXT, go_on).click()
            WebDriverWait(browser, 20).until(shown.title_is("Portal"))
            step("4-portal")
            return seen

        english = await asyncio.to_thread(walk, "en")
        assert "Atelier Tremblay & Fils is getting ready" in english[0]
        assert "the client portal of Atelier Tremblay & Fils is at:" in english[0]
        assert "Thank you,\nMarie Tremblay\nAtelier Tremblay & Fils" in english[0]
        assert "a button takes you to the client portal" in english[1]
        assert "Thank you, Olivia Smith." in english[2]
        assert english[3] == "The firm's portal"
        french = await asyncio.to_thread(walk, "fr")
        assert "se prépare à produire votre déclaration" in french[0]
        assert "Démarrer / Ouvrir une session" in french[0]
        assert "un bouton vous mène au portail client d'Atelier Tremblay & Fils." in french[1]
        assert "Accepter ajoute Érablière Gagnon au réseau d'affaires" in french[1]
        assert "(compta@erabliere.ca)" in french[1]
        assert "Merci, Érablière Gagnon. Votre invitation d'Atelier Tremblay & Fils est " \
               "acceptée." in french[2]
        assert "Érablière Gagnon fait partie du réseau d'affaires" in french[2]
        # The firm's name has no known gender: "est avisée" said a Cabinet was feminine.
        assert "Atelier Tremblay & Fils reçoit aussitôt un avis de votre acceptation." in \
            french[1]
        assert "Atelier Tremblay & Fils en a reçu l'avis." in french[2]
        assert "de Atelier" not in " ".join(french) and "avisée" not in " ".join(french)
        assert french[3] == "The firm's portal"
        for language in ("en", "fr"):
            for step_name in ("1-email", "2-invitation", "3-accepted", "4-portal"):
                assert (shots / f"walk-{language}-{step_name}.png").stat().st_size > 3_000
    finally:
        await page_site.cleanup()
        await portal_site.cleanup()
        await store.close()
