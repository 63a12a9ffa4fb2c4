"""The page scripts keep no copy of the server's rules or names: states, actions, roles and course
categories are served (`actions` on the review, /api/v1/vocabulary); and they are native ES modules that
load nothing from the internet."""
import pathlib
import re

import pytest

from gateway.roles import ROLE_KINDS, ROLE_NAMES
from services.common import vocab
from services.printing import jobs
from services.review import machine, states

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "gateway" / "static" / "js").rglob("*.js"))
TEMPLATES = sorted((ROOT / "gateway" / "templates").glob("*.html"))

# Names only the server may say, as a whole string in a script (prose around them is the page's own).
SERVED_NAMES = {*states.NAMES.values(), *ROLE_NAMES.values(), *vocab.COURSE_CATEGORIES, *jobs.STATE_NAMES.values(),
                *(name for action, name in machine.HISTORY_NAMES.items() if action not in machine.ACTIONS)}
# Roles and review states (a major's "approved" is data the view serves, not the review's state).
RULE_WORDS = {*ROLE_KINDS, *states.NAMES, "chain_pos"} - {"approved"}


def test_there_are_page_scripts():
    assert len(SCRIPTS) > 10


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_no_script_copies_a_served_name_or_a_rule(script):
    text = script.read_text(encoding="utf-8")
    literals = set(re.findall(r'"([^"\\]*)"', text)) | set(re.findall(r"'([^'\\]*)'", text))
    copied = sorted(SERVED_NAMES & literals)
    assert not copied, f"{script.name} copies names the server serves: {copied}"
    rules = sorted(word for word in RULE_WORDS if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text))
    assert not rules, f"{script.name} decides by roles or states itself: {rules}"


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_scripts_are_modules_importing_only_local_files(script):
    text = script.read_text(encoding="utf-8")
    assert "window.Biye" not in text and "(function ()" not in text
    for target in re.findall(r'from\s+"([^"]+)"', text):
        assert target.startswith((".", "/")) and not target.startswith("//"), target
        assert (script.parent / target).resolve().is_file(), f"{script.name} imports a missing {target}"
    assert not re.search(r"https?://", text)


def test_templates_load_page_modules_and_nothing_from_the_internet():
    base = (ROOT / "gateway" / "templates" / "base.html").read_text(encoding="utf-8")
    assert 'type="module"' in base
    for template in TEMPLATES:
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]+src=\"https?://", text), template.name
        page = re.search(r"{% block page %}([\w-]+){% endblock %}", text)
        if page and page.group(1) not in ("login", "password"):
            assert (ROOT / "gateway" / "static" / "js" / "pages" / f"{page.group(1)}.js").is_file(), template.name
