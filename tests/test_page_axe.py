"""axe-core (npm, run inside Debian's chromium) on every state of the page, in both languages,
at 390 and 1,280 px: the invitation, accepted (with the portal's button), accepted and opened
again, a dead link, too many tries, and a reminder's stop page before and after. 0 violations;
a failure names the rules and where they were hit."""

from __future__ import annotations

import asyncio

import pytest

from linkdesk.mail.outgoing import invitation_builder
from linkdesk.web.accept import FailureLimiter, make_web_app, start_site
from store import Store
from tests.browser import axe_check, axe_source, browser  # noqa: F401 - fixtures
from tests.helpers import add_client, make_preparer

pytestmark = pytest.mark.timeout(300)
WIDTHS = ((390, 844), (1280, 900))
PORTAL = "https://clients.tremblay.ca/"


@pytest.fixture
async def site(sqlite_url):
    """A firm with its contact details and a portal, a client in each language (the French
    one an organization), each invited."""
    from store.validate import Details

    store = await Store.open(sqlite_url)
    limiter = FailureLimiter(allowed=3)  # two dead links, then the third failure is refused
    runner = await start_site(make_web_app(store, limiter=limiter, portal=PORTAL),
                              "127.0.0.1", 0)
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        firm = await make_preparer(store, firm="Cabinet Tremblay & Fils")
        books = await store.network.firm_books(firm.firm_id)
        await store.network.update_profile(
            books, Details("Cabinet Tremblay & Fils", "bonjour@tremblay.ca", "+14185550100"),
            by=firm.id)
        links = {}
        # The French client is an organization: its pages say it joins the network.
        for language, names in {"en": dict(first_name="Olivia", last_name="Smith"),
                                "fr": dict(organization_name="Érablière Gagnon",
                                           phone="418-555-0142")}.items():
            email = f"{language}@example.com"
            client_id = await add_client(store, firm.firm_id, email=email, language=language,
                                         **names)
            made = []

            def builder(link, language=language, email=email, made=made):
                made.append(link)
                return invitation_builder(
                    firm_name="Cabinet Tremblay & Fils", sender_address="portail@tremblay.ca",
                    recipient_name=email, recipient_address=email, subject="Invitation",
                    body="Bonjour", language=language, portal=PORTAL)(link)

            await store.invitations.invite(client_id, 2025, firm.id, base, email, language,
                                           builder)
            await store.invitations.delivered(await store.invitations.claim(), "250 OK")
            links[language] = made[-1]
        yield base, links
    finally:
        await runner.cleanup()
        await store.close()


def _walk(driver, source: str, base: str, links: dict[str, str]) -> dict:
    """Every state in both languages, each checked at both widths: {(state, language, width):
    axe's result}."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.wait import WebDriverWait

    results = {}

    def submit(then: str) -> None:
        """Press the page's button and wait for the page it leads to."""
        driver.find_element(By.TAG_NAME, "button").click()
        WebDriverWait(driver, 20).until(shown.presence_of_element_located(
            (By.CSS_SELECTOR, then)), f"no {then} after the button")

    def check(state: str, language: str) -> None:
        for width, height in WIDTHS:
            driver.set_window_size(width, height)
            results[state, language, width] = axe_check(driver, source)

    for language, link in links.items():
        driver.get(link)
        check("invitation", language)
        submit("a.button")
        assert driver.find_element(By.CSS_SELECTOR, "a.button").get_attribute("href") == PORTAL
        check("accepted", language)
        driver.get(link)
        check("accepted again", language)
        driver.get(link.replace("/i/", "/u/"))
        check("stop reminders", language)
        submit("main:not(:has(form))")
        check("reminders stopped", language)
    for language in links:
        driver.get(f"{base}/i/no-such-link?lang={language}")
        check("dead link", language)
    driver.get(f"{base}/i/no-such-link")  # the third failure: still the dead page
    for language in links:
        driver.get(f"{base}/i/no-such-link?lang={language}")
        assert driver.execute_script("return document.title") in (
            "Too many attempts", "Trop de tentatives")
        check("too many tries", language)
    return results


async def test_every_state_of_the_page_passes_axe(browser, axe_source, site):  # noqa: F811
    base, links = site
    results = await asyncio.to_thread(_walk, browser, axe_source, base, links)
    assert len(results) == 7 * 2 * 2
    versions = {r["version"] for r in results.values()}
    rules = {r["rules"] for r in results.values()}
    print(f"axe-core {versions}, {rules} rules per run, {len(results)} runs")
    hit = {f"{state}, {language}, {width} px": [
               f"{v['id']} ({v['impact']}): {', '.join(v['nodes'][:3])}"
               for v in r["violations"]]
           for (state, language, width), r in results.items() if r["violations"]}
    assert not hit, "axe-core violations:\n" + "\n".join(
        f"  {where}: {'; '.join(found)}" for where, found in hit.items())
