"""The browser, with the few moves a clerk makes: sign in, go, find, click, upload, wait, screenshot."""
import base64
import os

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.gateway import PASSWORD

SCREENSHOTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "var", "screenshots")
WAIT = 60


class Web:
    """The browser, with the few moves a clerk makes."""

    def __init__(self, driver, base: str):
        self.driver = driver
        self.base = base

    def wait(self, condition, timeout: float = WAIT, message: str = ""):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.25,  # lists redraw while polled
                                 ignored_exceptions=[StaleElementReferenceException]).until(condition)
        except TimeoutException:
            self.shot("failure")
            raise AssertionError(f"timed out: {message}; page text:\n{self.text()[:3000]}") from None

    def go(self, path: str) -> None:
        self.driver.get(self.base + path)

    def find(self, css: str):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css: str):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css: str = "body") -> str:
        return self.find(css).text

    def wait_text(self, css: str, fragment: str, message: str = ""):
        self.wait(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), fragment),
                  message=message or f"“{fragment}” in {css}")

    def click(self, css: str) -> None:
        element = self.wait(ec.element_to_be_clickable((By.CSS_SELECTOR, css)), message=f"{css} clickable")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def login(self, username: str, password: str = PASSWORD, lands: str = "/") -> None:
        self.go("/login")
        self.find("input[name=username]").send_keys(username)
        self.find("input[name=password]").send_keys(password)
        self.find("form button[type=submit]").click()
        self.wait(ec.url_to_be(self.base + lands), message=f"{username} signed in")

    def confirm(self, expect: str = "") -> str:
        """Answer the page's question (the dialog before an act) with its confirm button; returns what it said."""
        self.wait(ec.visibility_of_element_located((By.CSS_SELECTOR, "dialog.ask")), message="a question asked")
        said = self.text("dialog.ask")
        assert expect in said, said
        self.click("#dialog-confirm")
        return said

    def logout(self) -> None:
        self.click("header form button")
        self.wait(ec.url_contains("/login"), message="signed out")

    def upload(self, form: str, path: str) -> None:
        self.find(f"{form} input[type=file]").send_keys(path)
        self.click(f"{form} button[type=submit]")

    def shot(self, name: str) -> str:
        """The whole page (beyond the window) as var/screenshots/<name>.png."""
        path = os.path.join(SCREENSHOTS, f"{name}.png")
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        data = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000), "scale": 1}})
        with open(path, "wb") as out:
            out.write(base64.b64decode(data["data"]))
        return path
