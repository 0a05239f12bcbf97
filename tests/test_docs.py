"""The docs: their generated parts are current, the README stays short, every relative link resolves, and
each fidelity fact is written once."""

from __future__ import annotations

import importlib
import re
from collections import Counter
from pathlib import Path

import pytest

from mock_server.base.fidelity import Fact, markdown_table
from tools import docs

ROOT = Path(__file__).resolve().parent.parent
README_LIMIT_BYTES = 10_240
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
PROVIDER_FIDELITY = [module for module in docs.fidelity_pages().values() if ".providers." in module]

FENCED_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:


def test_the_generated_parts_of_the_docs_are_current():
    assert docs.stale_pages() == [], f"run {docs.COMMAND}"


def test_the_check_names_the_page_of_a_changed_fact(monkeypatch):
    dots = importlib.import_module("mock_server.providers.dots.fidelity")
    changed = (Fact("a behaviour the page does not list yet", "assumed"), *dots.FACTS[1:])
    monkeypatch.setattr(dots, "FACTS", changed)
    assert docs.stale_pages() == ["docs/providers/dots.md"]
    assert docs.main(["--check"]) == 1


def test_the_check_names_the_page_of_a_changed_shared_fact(monkeypatch):
    core = importlib.import_module("mock_server.core.fidelity")
    heading, facts = core.SECTIONS[0]
    monkeypatch.setattr(core, "SECTIONS", ((heading, facts[:-1]), *core.SECTIONS[1:]))
    assert docs.stale_pages() == ["docs/sandbox.md"]


def test_a_page_without_its_markers_is_refused():
    with pytest.raises(ValueError, match="no <!-- generated:fidelity --> marker"):
        docs.replace_block("# A page\n", "fidelity", "table\n")


def test_only_the_text_between_the_markers_is_replaced():
    page = "before\n<!-- generated:fidelity -->\nold\n<!-- end generated -->\nafter\n"
    assert docs.replace_block(page, "fidelity", "new\n") == (
        "before\n<!-- generated:fidelity -->\nnew\n\n<!-- end generated -->\nafter\n"
    )


def test_pipes_in_a_fact_are_escaped_so_the_table_keeps_two_columns():
    table = markdown_table([Fact("`admin`|`viewer`", "spec")])
    assert table.splitlines()[-1] == "| `admin`\\|`viewer` | spec |"


def test_a_fact_is_one_line():
    with pytest.raises(ValueError, match="one line"):
        Fact("two\nlines", "assumed")


def test_the_readme_is_short():
    size = len((ROOT / "README.md").read_bytes())
    assert size <= README_LIMIT_BYTES, f"README.md is {size} bytes; move detail into docs/"


def relative_links(markdown: str) -> list[str]:
    """The link targets outside code, without their anchors, leaving out URLs and same-page anchors."""
    prose = CODE_SPAN.sub("", FENCED_BLOCK.sub("", markdown))
    targets = (target.split("#", 1)[0] for target in LINK_TARGET.findall(prose))
    return [target for target in targets if target and not EXTERNAL.match(target)]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_points_to_a_file(page):
    missing = [
        target
        for target in relative_links(page.read_text(encoding="utf-8"))
        if not (page.parent / target).exists()
    ]
    assert missing == []


def test_no_fact_is_written_twice_across_providers():
    behaviours = Counter(
        fact.behaviour for module in PROVIDER_FIDELITY for fact in importlib.import_module(module).FACTS
    )
    repeated = [behaviour for behaviour, count in behaviours.items() if count > 1]
    assert repeated == [], "a fact shared by providers belongs in mock_server/core/fidelity.py"
