"""The web page in a real browser: Debian's Chromium driven over WebDriver (chromium-driver)
against a running `sismatch demo` (conftest.py), as a dealer, a police officer and an operator
would use it. It signs in with the demo sign-ins the demo prints, checks a stolen number (HIT,
nothing about the alert on the page) and an unknown one (NO HIT, its certificate), searches a
misread hull number as police and sees the explanation, reports the hit and sees the alert
HIT_CONFIRMED, switches the language, reads the operator's status, and saves a screenshot of
every page under target/browser/ (a phone-sized one of the check). The browser's console must
show no Content-Security-Policy violation.

Run it with `bash tests/python/browser.sh` (or `make test-browser`, which installs Chromium
and its driver when missing). $CHROMIUM and $CHROMEDRIVER override /usr/bin/chromium and
/usr/bin/chromedriver; $SISMATCH_SCREENSHOTS overrides target/browser.
"""

import os
import shlex

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENSHOTS = os.environ.get("SISMATCH_SCREENSHOTS", "target/browser")
# How long a page may take to appear, in seconds.
WAIT = 20
# A number no sample alert has.
UNKNOWN = "ZZQ9XW7YV3KT2"


class Printed:
    """What the demo printed that the test needs: the URL, the sign-ins and the examples."""

    def __init__(self, demo):
        assert demo.web, "the demo printed no `web: URL` line\n" + demo.diagnostics()
        self.url = demo.web.rstrip("/")
        lines = demo.lines
        start = next(i for i, l in enumerate(lines) if l.startswith("== the web page"))
        self.sign_ins = {}
        for line in lines[start + 1:]:
            if not line.strip():
                break
            words = line.split()
            self.sign_ins[" ".join(words[:-2])] = (words[-2], words[-1])
        commands = [shlex.split(l) for l in lines if l.startswith("  ")]
        check = next(c for c in commands if c[1] == "check")
        search = next(c for c in commands if c[1] == "search")
        report = next(c for c in commands if c[1] == "report-hit")
        self.stolen = check[-1]
        self.misread = search[-1]
        self.misread_kind = search[search.index("--kind") + 1]
        self.alert_id = report[4]


@pytest.fixture(scope="module")
def printed(demo):
    return Printed(demo)


@pytest.fixture(scope="module")
def browser():
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            pytest.fail(f"no {path}: run `make test-browser` (installs chromium and chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", "--lang=en-GB"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-GB,en"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
    os.makedirs(SCREENSHOTS, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver, name):
    """Saves the whole page (the window grown to its height, then restored)."""
    path = os.path.join(SCREENSHOTS, f"{name}.png")
    size = driver.get_window_size()
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(size["width"], max(size["height"], height + 120))
    driver.save_screenshot(path)
    driver.set_window_size(size["width"], size["height"])
    return path


def wait_for(driver, css):
    return WebDriverWait(driver, WAIT).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
    )


def gone(old):
    """Whether `old` has left the document. Chromium says so with a stale-element error, or,
    caught mid-navigation, with an inspector error that the node does not belong to the
    document (which `staleness_of` lets through as a failure)."""

    def predicate(_driver):
        try:
            old.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise

    return predicate


def click_and_load(driver, button):
    """Clicks a submit button and waits until the next page has replaced this one."""
    old = driver.find_element(By.TAG_NAME, "html")
    button.click()
    WebDriverWait(driver, WAIT).until(gone(old))


def sign_in(driver, printed, who):
    name, password = printed.sign_ins[who]
    driver.get(printed.url + "/login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    click_and_load(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button"))
    wait_for(driver, "form[action='/logout']")


def sign_out(driver):
    click_and_load(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/logout'] button"))
    wait_for(driver, "form[action='/login']")


def check(driver, value):
    box = wait_for(driver, "#values")
    box.clear()
    box.send_keys(value)
    click_and_load(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/check'] button"))
    return wait_for(driver, "#outcome").text


def search(driver, value, kind):
    box = wait_for(driver, "#values")
    box.clear()
    box.send_keys(value)
    Select(driver.find_element(By.ID, "kind")).select_by_value(kind)
    click_and_load(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/search'] > button"))
    return wait_for(driver, "#match-1")


def csp_violations(driver):
    return [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]


def test_a_dealer_checks_and_sees_nothing_about_the_alert(demo, printed, browser):
    browser.get(printed.url + "/")
    wait_for(browser, "form[action='/login']")
    shot(browser, "01-sign-in")
    sign_in(browser, printed, "dealer")
    assert browser.current_url.endswith("/check")

    assert check(browser, printed.stolen) == "HIT"
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "Do not buy" in page
    assert browser.find_element(By.ID, "reference").text.startswith("C-")
    assert printed.alert_id not in browser.page_source, "the alert id reached a dealer"
    assert "restricted" not in browser.page_source.lower()
    shot(browser, "02-check-hit")

    assert check(browser, UNKNOWN) == "NO HIT"
    assert browser.find_element(By.ID, "countries").text == "BE, FR, NL"
    browser.set_window_size(390, 844)
    shot(browser, "03-check-no-hit-phone")
    browser.set_window_size(1280, 1000)
    click_and_load(browser, browser.find_element(By.CSS_SELECTOR, "a[href='/check/certificate']"))
    wait_for(browser, ".certificate")
    assert "DEMO-DEALER-1" in browser.find_element(By.CSS_SELECTOR, ".certificate").text
    shot(browser, "04-certificate")
    sign_out(browser)
    assert csp_violations(browser) == []


def test_police_search_a_misread_number_and_report_the_hit(demo, printed, browser):
    sign_in(browser, printed, "police NL")
    assert browser.current_url.endswith("/search")
    found = search(browser, printed.misread, printed.misread_kind)
    assert printed.alert_id in found.text
    explanation = found.find_element(By.CSS_SELECTOR, ".explanation").text
    assert "look-alike" in explanation or "transposed" in explanation, explanation
    shot(browser, "05-search")

    found.find_element(By.CSS_SELECTOR, "details summary").click()
    found.find_element(By.NAME, "location").send_keys("Marina Harlingen, berth 12")
    found.find_element(By.NAME, "note").send_keys("found during a routine check")
    found.find_element(By.NAME, "case_reference").send_keys("PL0100-2026-0815")
    shot(browser, "06-report-hit-form")
    click_and_load(browser, found.find_element(By.CSS_SELECTOR, "form[action='/search/report'] button"))
    assert "Hit reported" in wait_for(browser, ".message.ok").text
    # The page asks the search again after the report: the alert shows the hit at once.
    assert "HIT_CONFIRMED" in browser.find_element(By.ID, "match-1").text
    shot(browser, "07-hit-confirmed")

    click_and_load(browser, browser.find_element(By.CSS_SELECTOR, "nav.langs a[lang='nl']"))
    assert wait_for(browser, "h1").text == "Zoeken in alle landen"
    shot(browser, "08-search-nl")
    click_and_load(browser, browser.find_element(By.CSS_SELECTOR, "nav.langs a[lang='en']"))
    assert wait_for(browser, "h1").text == "Search every country"
    sign_out(browser)
    assert csp_violations(browser) == []


def test_an_operator_sees_every_node(demo, printed, browser):
    sign_in(browser, printed, "operator")
    assert browser.current_url.endswith("/status")
    outcomes = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "td.outcome")]
    assert outcomes == ["OK", "OK", "OK"], outcomes
    shot(browser, "09-status")
    sign_out(browser)
    assert csp_violations(browser) == []
