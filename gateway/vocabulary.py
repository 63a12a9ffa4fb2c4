"""The names and orders the pages show, served by the API so no page script keeps a copy of them."""
from flask import current_app

from gateway import orgs
from gateway.roles import ROLE_KINDS, ROLE_NAMES
from services.common import vocab


def vocabulary() -> dict:
    """Review states and history actions (the review service's names), roles and the kinds of organisation
    each may belong to, kinds of organisation and the kinds each may be placed under,
    course categories in the forms' order, seasons and review kinds. Asked of the review service once
    per process: the names change only with a deployment."""
    cached = current_app.extensions.get("vocabulary")
    if cached is None:
        review = current_app.extensions["rpc"].review.vocabulary()
        cached = current_app.extensions["vocabulary"] = {
            "states": review["states"], "actions": review["actions"], "roles": ROLE_NAMES,
            "role_kinds": {role: sorted(kinds) for role, kinds in ROLE_KINDS.items()},
            "org_kinds": orgs.KINDS, "org_parents": {kind: sorted(p) for kind, p in orgs.ALLOWED_PARENTS.items()},
            "course_categories": list(vocab.COURSE_CATEGORIES),
            "seasons": list(vocab.SEASONS), "review_kinds": list(vocab.REVIEW_KINDS),
        }
    return cached
