"""Debian's chromium through selenium, and axe-core (from npm) run inside it: the fixtures of
the page's browser tests. Both skip on a developer's machine without them (with the reason)
and fail under CI=true, where `.ci/run` installs them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
AXE_VERSION = "4.14.1"  # pinned as every dependency is; .ci/run installs the same
# Read when the tests are collected: each test's environment is cleaned of LINKDESK_* variables.
GIVEN_AXE = os.environ.get("LINKDESK_TEST_AXE")
SHOTS = os.environ.get("LINKDESK_TEST_SHOTS")  # a folder to keep the walk's screenshots in


def _missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def browser():
    if not (CHROMIUM and DRIVER):
        _missing("chromium and chromedriver are required here (.ci/run installs them: "
                 "apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.fail("selenium is not installed: pip install -c requirements.lock -e '.[test]'")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--no-first-run", "--disable-extensions", "--lang=fr-CA"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def axe_path() -> Path:
    """axe.min.js of axe-core AXE_VERSION: LINKDESK_TEST_AXE (what .ci/run installed), else a
    copy in the user's cache, installed there with npm on first use."""
    if GIVEN_AXE:
        return Path(GIVEN_AXE)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    prefix = cache / "linkdesk-tests" / f"axe-core-{AXE_VERSION}"
    path = prefix / "node_modules" / "axe-core" / "axe.min.js"
    if not path.exists() and shutil.which("npm"):
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix",
                        str(prefix), f"axe-core@{AXE_VERSION}"], capture_output=True,
                       timeout=180)
    return path


@pytest.fixture(scope="session")
def axe_source() -> str:
    path = axe_path()
    if not path.exists():
        _missing(f"axe-core {AXE_VERSION} is not installed (npm install axe-core@"
                 f"{AXE_VERSION}, or LINKDESK_TEST_AXE=.../axe.min.js)")
    return path.read_text(encoding="utf-8")


AXE_RUN = """
const done = arguments[arguments.length - 1];
// Every rule axe has, the experimental and best-practice ones included.
const every = axe.getRules().map(rule => rule.ruleId);
axe.run(document, {runOnly: {type: 'rule', values: every}, resultTypes: ['violations']})
  .then(r => done({version: axe.version, rules: r.passes.length + r.violations.length
                   + r.incomplete.length + r.inapplicable.length,
                   violations: r.violations.map(v => ({id: v.id, impact: v.impact,
                     nodes: v.nodes.map(n => n.target.join(' '))}))}))
  .catch(e => done({error: String(e)}));
"""


def axe_check(driver, source: str) -> dict:
    """Run axe-core on the page the browser shows, with every rule it has:
    {"version", "rules", "violations": [{"id", "impact", "nodes"}]}."""
    if not driver.execute_script("return typeof axe !== 'undefined'"):
        driver.execute_script(source)
    result = driver.execute_async_script(AXE_RUN)
    assert "error" not in result, result
    return result
