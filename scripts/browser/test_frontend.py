"""The web front end in a real browser (headless Chromium through Selenium), against a running
server on demo data. Run by scripts/browser.sh, which starts the server and sets ANIMEREC_URL and
SCREENSHOT_DIR."""

import json
import os
import time
import urllib.parse
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ.get("ANIMEREC_URL", "http://127.0.0.1:18151")
SHOTS = os.environ.get("SCREENSHOT_DIR", "/tmp/animerec-screenshots")
WAIT = 15


def api(path, body=None):
    request = urllib.request.Request(BASE + path, method="POST" if body is not None else "GET")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, data=data, timeout=10) as response:
        return json.loads(response.read())


def make_driver(width, height):
    options = Options()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-extensions", "--no-first-run", f"--window-size={width},{height}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="module")
def driver():
    driver = make_driver(1440, 1000)
    yield driver
    driver.quit()


def console_errors(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def texts(driver, selector):
    """The rendered text of every element matching `selector`, read in one script call: the page
    re-renders rows while the test waits, and reading element by element over the wire can meet an
    element the page has just replaced."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText.trim())", selector)


def titles(driver, list_id):
    return texts(driver, f"#{list_id} .title")


def wait_for(driver, condition, message):
    # A condition that reads one element (the anime view's title) can still meet a re-render: that
    # is "not yet", so the wait polls again instead of failing.
    return WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: condition(d), message)


def wait_titles(driver, list_id, expected):
    wait_for(driver, lambda d: titles(d, list_id) == expected,
             f"#{list_id} never showed {expected}; it shows {titles(driver, list_id)}")


def user_with_recommendations(start):
    """A user id at or after `start` whose /recommends is personalised (not only popular titles)."""
    for user in range(start, start + 200):
        items = api(f"/recommends/{user}?limit=10")
        if items and any(item["reason"]["kind"] != "popular" for item in items):
            return user
    raise AssertionError("no user with personalised recommendations in the demo data")


def test_page_loads_without_console_errors_and_for_you_matches_the_api(driver):
    user = user_with_recommendations(1)
    expected = [item["name"] for item in api(f"/recommends/{user}?limit=10")]
    assert expected, "the API gave no recommendations"
    driver.get(f"{BASE}/?user={user}")
    wait_titles(driver, "for-you-list", expected)
    reasons = texts(driver, "#for-you-list .reason")
    assert len(reasons) == len(expected) and all(reasons), f"every item says why: {reasons}"
    wait_for(driver, lambda d: len(titles(d, "trending-list")) > 0, "the trending row stayed empty")
    wait_for(driver, lambda d: len(titles(d, "browse-list")) > 0, "the catalogue stayed empty")
    assert driver.find_element(By.ID, "user-input").get_attribute("value") == str(user)
    # Nothing is loaded from another host: every resource the page fetched came from the service.
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(name.startswith(BASE + "/") for name in resources), resources
    assert console_errors(driver) == []


def test_a_click_changes_the_next_for_you_list(driver):
    user = user_with_recommendations(40)
    before = [item["name"] for item in api(f"/recommends/{user}?limit=10")]
    driver.get(f"{BASE}/?user={user}")
    wait_titles(driver, "for-you-list", before)
    clicked = driver.find_elements(By.CSS_SELECTOR, "#for-you-list .card-link")[0]
    clicked_title = clicked.text.split("\n")[-1]
    clicked.click()
    wait_for(driver, lambda d: d.find_element(By.ID, "anime-title").text == clicked_title, "the anime view did not open")
    # The row reloads by itself (no page load): the clicked title is now seen and gone.
    wait_for(driver, lambda d: titles(d, "for-you-list") and clicked_title not in titles(d, "for-you-list")
             and titles(d, "for-you-list") != before, "the For you row did not change after the click")
    after = [item["name"] for item in api(f"/recommends/{user}?limit=10")]
    wait_titles(driver, "for-you-list", after)
    assert clicked_title not in after
    assert "anime=" in driver.current_url
    assert console_errors(driver) == []


def recommendation_counter(name):
    """The sum over sources of one of /metrics's recommendation counters."""
    request = urllib.request.Request(BASE + "/metrics")
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{"))


def impression_posts(driver):
    return driver.execute_script(
        "return performance.getEntriesByType('resource').filter(e => e.name.endsWith('/impressions')).length")


def test_the_rows_a_user_is_shown_are_sent_as_impressions(driver):
    user = user_with_recommendations(120)
    expected = [item["name"] for item in api(f"/recommends/{user}?limit=10")]
    shown_before = recommendation_counter("animerec_recommendation_impressions_total")
    driver.get(f"{BASE}/?user={user}")
    wait_titles(driver, "for-you-list", expected)
    wait_for(driver, lambda d: len(titles(d, "trending-list")) > 0, "the trending row stayed empty")
    # One batch per row the user was shown: For you and Trending; the For you items carry their
    # recommendation ids, so /metrics counts them per source.
    wait_for(driver, lambda d: impression_posts(d) == 2, f"impressions posted: {impression_posts(driver)}")
    wait_for(driver, lambda d: recommendation_counter("animerec_recommendation_impressions_total") >= shown_before + len(expected),
             "the For you row's impressions were not counted per source")
    clicks_before = recommendation_counter("animerec_recommendation_clicks_total")
    driver.find_elements(By.CSS_SELECTOR, "#for-you-list .card-link")[0].click()
    wait_for(driver, lambda d: recommendation_counter("animerec_recommendation_clicks_total") == clicks_before + 1,
             "the click on a recommended title was not attributed")
    # The batch is stored: the same ids posted again are all known titles of the catalogue.
    ids = [item["anime_id"] for item in api(f"/recommends/{user}?limit=10")]
    assert api("/impressions", {"user_id": user, "anime_ids": ids})["count"] == len(ids)
    # A visitor without a user id is nobody to store them for.
    driver.get(f"{BASE}/")
    wait_for(driver, lambda d: len(titles(d, "trending-list")) > 0, "the trending row stayed empty")
    assert impression_posts(driver) == 0
    assert console_errors(driver) == []


def test_not_interested_takes_a_title_out_of_the_users_lists_and_undo_brings_it_back(driver):
    user = user_with_recommendations(80)
    before = [item["name"] for item in api(f"/recommends/{user}?limit=10")]
    driver.get(f"{BASE}/?user={user}")
    wait_titles(driver, "for-you-list", before)
    buttons = driver.find_elements(By.CSS_SELECTOR, "#for-you-list .not-interested")
    assert len(buttons) == len(before), "every card of the user's row offers it"
    ruled_out = before[0]
    buttons[0].click()
    wait_for(driver, lambda d: texts(d, "#for-you-list .dismissed")
             and ruled_out in texts(d, "#for-you-list .dismissed")[0], "the card did not say it was dismissed")
    assert ruled_out not in titles(driver, "for-you-list")
    # Stored at once: the user's next list leaves it out.
    assert ruled_out not in [item["name"] for item in api(f"/recommends/{user}?limit=10")]
    assert driver.switch_to.active_element.get_attribute("class") == "undo", "focus moves to Undo"
    driver.find_element(By.CSS_SELECTOR, "#for-you-list .undo").click()
    wait_for(driver, lambda d: not texts(d, "#for-you-list .dismissed") and titles(d, "for-you-list") == before,
             "Undo did not bring the card back")
    # Taken back on the server too: the list is what it was.
    assert [item["name"] for item in api(f"/recommends/{user}?limit=10")] == before
    driver.refresh()
    wait_titles(driver, "for-you-list", before)
    # Rows that are not the user's own offer no verdict.
    wait_for(driver, lambda d: len(titles(d, "trending-list")) > 0, "the trending row stayed empty")
    assert driver.find_elements(By.CSS_SELECTOR, "#trending-list .not-interested") == []
    assert console_errors(driver) == []


def test_a_visitor_without_a_user_id_gets_a_row_from_the_titles_opened_in_this_tab(driver):
    driver.get(f"{BASE}/")
    driver.execute_script("sessionStorage.clear()")
    driver.get(f"{BASE}/")
    wait_for(driver, lambda d: "open a few titles" in d.find_element(By.ID, "for-you-state").text,
             "a visitor with nothing opened is not told how to get recommendations")
    first = next(item for item in api("/anime?sort=members&limit=5")["items"] if api(f"/sim/{item['anime_id']}"))
    driver.get(f"{BASE}/?anime={first['anime_id']}")
    wait_for(driver, lambda d: d.find_element(By.ID, "anime-title").text == first["name"], "the anime view did not open")
    expected = [item["name"] for item in api(f"/recommends?items={first['anime_id']}&limit=10")]
    assert expected and first["name"] not in expected
    wait_titles(driver, "for-you-list", expected)
    assert driver.find_element(By.ID, "for-you-title").text == f"Because you looked at {first['name']}"

    # A title opened from that row joins the session, newest first in the heading.
    card = driver.find_elements(By.CSS_SELECTOR, "#for-you-list .card-link")[0]
    second = {"anime_id": card.get_attribute("data-anime"), "name": card.text.split("\n")[-1]}
    card.click()
    wait_for(driver, lambda d: d.find_element(By.ID, "anime-title").text == second["name"], "the second title did not open")
    expected = [item["name"] for item in api(f"/recommends?items={first['anime_id']},{second['anime_id']}&limit=10")]
    wait_titles(driver, "for-you-list", expected)
    assert driver.find_element(By.ID, "for-you-title").text == f"Because you looked at {second['name']} and {first['name']}"
    assert second["name"] not in titles(driver, "for-you-list")

    # Nothing about the visitor was sent as an event (the card was opened within this page).
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert any("/recommends?items=" in name for name in resources), resources
    assert not [name for name in resources if "/clicks" in name or "/views" in name], resources
    # Kept in the tab: a reload shows the same row.
    driver.refresh()
    wait_titles(driver, "for-you-list", expected)
    # A user id takes the row over.
    user = user_with_recommendations(1)
    driver.get(f"{BASE}/?user={user}")
    wait_titles(driver, "for-you-list", [item["name"] for item in api(f"/recommends/{user}?limit=10")])
    assert driver.find_element(By.ID, "for-you-title").text == "For you"
    driver.execute_script("sessionStorage.clear()")
    assert console_errors(driver) == []


def test_search_finds_a_known_title(driver):
    known = api("/anime?sort=members&limit=1")["items"][0]["name"]
    driver.get(f"{BASE}/")
    box = driver.find_element(By.ID, "search-input")
    box.send_keys(known.upper())
    box.send_keys(Keys.ENTER)
    wait_for(driver, lambda d: known in titles(d, "browse-list"), f"searching for {known!r} did not find it")
    assert "q=" in driver.current_url
    assert console_errors(driver) == []


def test_anime_view_shows_similar_titles_and_deep_links_survive_reload(driver):
    popular = api("/anime?sort=members&limit=5")["items"]
    anime = next(item for item in popular if api(f"/sim/{item['anime_id']}"))
    similar = [item["name"] for item in api(f"/sim/{anime['anime_id']}")]
    driver.get(f"{BASE}/?anime={anime['anime_id']}")
    wait_for(driver, lambda d: d.find_element(By.ID, "anime-title").text == anime["name"], "the anime view did not open")
    wait_titles(driver, "similar-list", similar)
    driver.refresh()
    wait_for(driver, lambda d: d.find_element(By.ID, "anime-title").text == anime["name"], "a reload lost the view")
    wait_titles(driver, "similar-list", similar)
    # History: open a similar title, then go back to the first one.
    driver.find_elements(By.CSS_SELECTOR, "#similar-list .card-link")[0].click()
    wait_for(driver, lambda d: d.find_element(By.ID, "anime-title").text == similar[0], "the similar title did not open")
    driver.back()
    wait_for(driver, lambda d: d.find_element(By.ID, "anime-title").text == anime["name"], "back did not return")
    assert f"anime={anime['anime_id']}" in driver.current_url
    assert console_errors(driver) == []


def test_keyboard_alone_reaches_search_and_opens_a_result(driver):
    known = api("/anime?sort=members&limit=1")["items"][0]
    driver.get(f"{BASE}/")
    wait_for(driver, lambda d: len(titles(d, "browse-list")) > 0, "the catalogue stayed empty")

    def tab_until(predicate, limit):
        for _ in range(limit):
            ActionChains(driver).send_keys(Keys.TAB).perform()
            if predicate(driver.switch_to.active_element):
                return driver.switch_to.active_element
        raise AssertionError(f"{limit} presses of Tab did not get there")

    box = tab_until(lambda e: e.get_attribute("id") == "search-input", 10)
    ActionChains(driver).send_keys(known["name"]).send_keys(Keys.ENTER).perform()
    wait_for(driver, lambda d: known["name"] in titles(d, "browse-list"), "keyboard search found nothing")
    link = tab_until(lambda e: driver.execute_script("return arguments[0].matches('#browse-list .card-link')", e), 80)
    target = link.text.split("\n")[-1]
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait_for(driver, lambda d: d.find_element(By.ID, "anime-title").text == target, "Enter on a result did not open it")
    assert driver.switch_to.active_element.get_attribute("id") == "anime-title", "focus moves to the opened title"
    assert console_errors(driver) == []


def test_screenshots_at_phone_and_desktop_widths():
    os.makedirs(SHOTS, exist_ok=True)
    user = user_with_recommendations(1)
    for width, height in ((375, 1400), (1440, 1100)):
        driver = make_driver(width, height)
        try:
            driver.get(f"{BASE}/?user={user}")
            wait_for(driver, lambda d: len(titles(d, "for-you-list")) > 0, "nothing to show")
            wait_for(driver, lambda d: len(titles(d, "browse-list")) > 0, "nothing to show")
            overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
            path = os.path.join(SHOTS, f"page-{width}.png")
            driver.save_screenshot(path)
            assert os.path.getsize(path) > 1000
            assert console_errors(driver) == []
        finally:
            driver.quit()
    print(f"\nscreenshots: {SHOTS}")
