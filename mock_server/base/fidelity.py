"""Fidelity facts: one behaviour of an emulated API and where it comes from. Each provider keeps its
facts beside its code; tools/docs.py renders them into the docs pages as markdown tables."""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    """A behaviour of the mock and its source (a seed page, a spec, docs, an issue, or "assumed");
    both are markdown."""

    behaviour: str
    source: str

    def __post_init__(self) -> None:
        # A line break would end the table row it is rendered into.
        if "\n" in self.behaviour or "\n" in self.source:
            raise ValueError(f"a fact is one line of markdown: {self!r}")


def markdown_table(facts: Iterable[Fact]) -> str:
    """The facts as a two-column markdown table."""
    rows = ["| behaviour | source |", "|---|---|"]
    rows += [f"| {table_cell(fact.behaviour)} | {table_cell(fact.source)} |" for fact in facts]
    return "\n".join(rows) + "\n"


def table_cell(text: str) -> str:
    """`text` escaped for a table cell: GFM splits a row on every bare pipe, even inside code spans."""
    return text.replace("|", "\\|")
