"""Drives the dashboard in a real headless Chromium through WebDriver (Selenium + Debian's
chromedriver), saves a screenshot of each page and runs axe-core on it.

usage: dashboard_browser.py LOGIN_URL IDS_JSON ARTIFACTS_DIR AXE_JS

IDS_JSON: {"completed", "failed", "running", "validation"} ids made through the MCP server.
Prints one JSON object of observations on the last stdout line; the Rust test judges them.
"""
import json
import shutil
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By

AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help}))))
  .catch(e => done([{id: "axe-error", impact: "critical", nodes: 0, help: String(e)}]));
"""


def browser(profile):
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,1000"]:
        options.add_argument(arg)
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_script_timeout(60)
    return driver


def wait_for(predicate, timeout=20.0, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except WebDriverException:  # the page was navigating
            value = None
        if value:
            return value
        time.sleep(step)
    return predicate()


class Run:
    def __init__(self, driver, base, artifacts, axe_source):
        self.driver, self.base, self.artifacts, self.axe = driver, base, artifacts, axe_source
        self.pages = {}

    def visit(self, path, name):
        self.driver.get(self.base + path)
        return self.check(name)

    def check(self, name):
        """Screenshot (full page height) and axe violations of the page now shown."""
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(1280, min(max(height, 800), 4000))
        self.driver.save_screenshot(f"{self.artifacts}/{name}.png")
        self.driver.set_window_size(1280, 1000)
        self.driver.execute_script(self.axe)
        violations = self.driver.execute_async_script(AXE_RUN)
        self.pages[name] = {"title": self.driver.title, "url": self.driver.current_url, "violations": violations}

    def text(self, css):
        """One script, so a page that reloads meanwhile cannot leave a stale element behind."""
        return self.driver.execute_script(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null;", css)


def row_status(driver, job_id):
    """The status shown in the list for a job (in one script: the live list replaces rows)."""
    return driver.execute_script(
        "const a = document.querySelector(`#job-rows a[title='${arguments[0]}']`);"
        "return a ? a.closest('tr').querySelector('.status').textContent : null;", job_id)


def main(login_url, ids_json, artifacts, axe_js):
    ids = json.loads(ids_json)
    base = login_url.split("/?")[0]
    with open(axe_js, encoding="utf-8") as file:
        axe_source = file.read()
    out = {}
    with tempfile.TemporaryDirectory() as profile:
        driver = browser(profile)
        try:
            run = Run(driver, base, artifacts, axe_source)
            driver.get(login_url)
            out["afterLogin"] = driver.current_url
            out["listStatuses"] = wait_for(lambda: (lambda s: s if all(s.values()) else None)(
                {k: row_status(driver, ids[k]) for k in ("completed", "failed", "running")}))
            run.check("jobs")
            run.visit(f"/jobs/{ids['completed']}", "job-completed")
            out["answer"] = run.text("#answer")
            out["prompt"] = driver.execute_script("return document.querySelector('details.prompt pre').textContent")
            run.visit(f"/jobs/{ids['failed']}", "job-failed")
            out["failedStatus"] = run.text(".lead .status")
            driver.get(f"{base}/jobs/{ids['running']}")
            grow = lambda: len(driver.execute_script("return document.getElementById('stdout').textContent"))
            out["outputBefore"] = grow()
            out["outputAfter"] = wait_for(lambda: grow() > out["outputBefore"] and grow(), timeout=15)
            out["runningStatus"] = run.text(".lead .status")
            run.check("job-running")
            driver.find_element(By.CSS_SELECTOR, "form.cancel button").click()
            out["statusAfterCancel"] = wait_for(lambda: run.text(".lead .status") == "canceled" and "canceled")
            out["urlAfterCancel"] = driver.current_url
            run.visit(f"/validations/{ids['validation']}", "validation")
            out["seats"] = [seat.find_element(By.TAG_NAME, "h3").text
                            for seat in driver.find_elements(By.CSS_SELECTOR, "article.seat")]
            out["seatStatuses"] = [seat.text for seat in driver.find_elements(By.CSS_SELECTOR, "article.seat .status")]
            run.visit("/validations", "validations")
            run.visit("/usage", "usage")
            out["charts"] = len(driver.find_elements(By.CSS_SELECTOR, "svg.chart"))
            out["bars"] = len(driver.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar"))
            run.visit("/tool-calls", "tool-calls")
            out["toolCallLinks"] = len(driver.find_elements(By.CSS_SELECTOR, 'td a[href^="/jobs/"]'))
            run.visit("/health", "health")
            out["health"] = run.text("main")
            driver.set_window_size(390, 900)
            driver.get(f"{base}/jobs")
            driver.save_screenshot(f"{artifacts}/jobs-phone.png")
            out["phoneScrollWidth"] = driver.execute_script("return document.body.scrollWidth")
            out["pages"] = run.pages
        finally:
            driver.quit()
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:])
