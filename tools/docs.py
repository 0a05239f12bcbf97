"""Rewrites the generated parts of the docs: each fidelity table from its fidelity module, and the benchmark
figures from bench/results/latest.json. Only the text between a marker and `<!-- end generated -->` changes.

    .venv/bin/python tools/docs.py          # rewrite the stale pages
    .venv/bin/python tools/docs.py --check  # rewrite nothing; exit 1 naming each stale page
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType

from mock_server.base.fidelity import Fact, markdown_table

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "make docs"
END_MARKER = "<!-- end generated -->"
BENCH_RESULTS = "bench/results/latest.json"


def fidelity_pages() -> dict[str, str]:
    """The page each fidelity module is rendered into: the sandbox's, and docs/providers/<package>.md for
    every provider package that has a fidelity.py (a new provider needs no line here). Modules are
    imported by name, so nothing else of the provider packages is needed beyond what Python runs to reach
    them."""
    pages = {"docs/sandbox.md": "mock_server.core.fidelity"}
    for module in sorted((ROOT / "mock_server" / "providers").glob("*/fidelity.py")):
        package = module.parent.name
        pages[f"docs/providers/{package}.md"] = f"mock_server.providers.{package}.fidelity"
    return pages


BENCHMARKS_PAGE = "docs/benchmarks.md"

SOURCES_KEY = (
    "Sources, strongest first: the seed pages, the providers' OpenAPI specs, their public docs; "
    "where all are silent the behaviour is **assumed**, and says so."
)


@dataclass(frozen=True)
class Block:
    """A generated part of a page: its marker's kind, and how to render what goes between the markers."""

    page: str
    kind: str
    render: Callable[[], str]


def blocks() -> list[Block]:
    fidelity = [
        Block(page, "fidelity", partial(fidelity_markdown, page, module))
        for page, module in fidelity_pages().items()
    ]
    return [*fidelity, Block(BENCHMARKS_PAGE, "benchmarks", benchmarks_markdown)]


# --- pages -----------------------------------------------------------------------------------------------


def replace_block(text: str, kind: str, content: str) -> str:
    """`text` with the body of its `kind` block replaced by `content`."""
    start_marker = f"<!-- generated:{kind} -->"
    head, found, rest = text.partition(start_marker)
    if not found:
        raise ValueError(f"no {start_marker} marker")
    _, found, tail = rest.partition(END_MARKER)
    if not found:
        raise ValueError(f"{start_marker} has no {END_MARKER} after it")
    return f"{head}{start_marker}\n{content}\n{END_MARKER}{tail}"


def expected_pages() -> dict[str, str]:
    """Every page with generated parts, as it should read: its path (from the root) and its text."""
    pages: dict[str, str] = {}
    for block in blocks():
        text = pages.get(block.page)
        if text is None:
            text = (ROOT / block.page).read_text(encoding="utf-8")
        try:
            pages[block.page] = replace_block(text, block.kind, block.render())
        except ValueError as error:
            raise ValueError(f"{block.page}: {error}") from None
    return pages


def differing(pages: dict[str, str]) -> list[str]:
    """The pages whose text on disk is not the given text."""
    return [page for page, text in pages.items() if (ROOT / page).read_text(encoding="utf-8") != text]


def stale_pages() -> list[str]:
    """The pages whose generated parts differ from what their sources render now."""
    return differing(expected_pages())


def write_pages() -> list[str]:
    """Rewrites the stale pages; their paths."""
    pages = expected_pages()
    stale = differing(pages)
    for page in stale:
        (ROOT / page).write_text(pages[page], encoding="utf-8")
    return stale


def generated_note(page: str, source: str, to_change: str) -> str:
    """The line saying a block is generated, from what (linked from the page), and by which command."""
    link = Path(os.path.relpath(ROOT / source, (ROOT / page).parent)).as_posix()
    return f"*Generated from [`{source}`]({link}) by `{COMMAND}`; {to_change}.*"


# --- fidelity tables -------------------------------------------------------------------------------------


def fidelity_sections(module: ModuleType) -> tuple[tuple[str, tuple[Fact, ...]], ...]:
    """A module's (heading, facts) pairs: its SECTIONS, or its FACTS under no heading."""
    return getattr(module, "SECTIONS", None) or (("", module.FACTS),)


def fidelity_markdown(page: str, module_name: str) -> str:
    module = importlib.import_module(module_name)
    source = Path(module.__file__).resolve().relative_to(ROOT).as_posix()
    parts = [generated_note(page, source, "edit that file, not this table"), SOURCES_KEY]
    for heading, facts in fidelity_sections(module):
        if heading:
            parts.append(f"### {heading}")
        parts.append(markdown_table(facts).rstrip("\n"))
    return "\n\n".join(parts) + "\n"


# --- benchmark figures -----------------------------------------------------------------------------------


def bench_targets() -> ModuleType:
    """bench/targets.py, with which `make bench` evaluates the targets (run as a script, this file has
    tools/ on its path rather than the repository root)."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    return importlib.import_module("bench.targets")


def benchmarks_markdown() -> str:
    results = json.loads((ROOT / BENCH_RESULTS).read_text(encoding="utf-8"))
    note = generated_note(BENCHMARKS_PAGE, BENCH_RESULTS, "`make bench` measures them again")
    parts = [note, run_summary(results)]
    if predates_the_front(results):
        parts.append(
            "This run predates the RSGI front (`mock_server/rsgi.py`): the mock and `bare-flask` were both "
            "served by granian's WSGI interface, and no target was evaluated."
        )
    if "startup" in results:
        parts.append(startup_line(results["startup"]))
    parts += ["### Targets", targets_table(results.get("targets"))]
    if "throughput" in results:
        parts += ["### Throughput and latency", throughput_table(results["throughput"])]
        parts += ["### Cost of the machinery", machinery_cost_table(results["throughput"])]
    if "speedups" in results:
        parts += ["### Speed-ups", speedups_table(results["speedups"])]
    if "memory" in results:
        parts += ["### Memory", memory_table(results["memory"])]
    return "\n\n".join(parts) + "\n"


def run_summary(results: dict) -> str:
    machine, settings = results["machine"], results["settings"]
    return (
        f"Latest run: {results['when']}, {machine['cpu']}, {machine['cores']} cores, Python "
        f"{machine['python']}. Each throughput figure is the median of {settings['runs']} runs of "
        f"{settings['seconds']:g} s."
    )


def predates_the_front(results: dict) -> bool:
    """A report from before the bare baseline was served through the mock's front: it has throughput
    figures but no `bare-flask-wsgi` reference row."""
    rows = results.get("throughput", {}).get("shared", {})
    return bool(rows) and not any(key.startswith("bare-flask-wsgi/") for key in rows)


def startup_line(startup: dict) -> str:
    starts = len(startup["runs_ms"])
    if "baselines" not in startup:  # a run from before the baselines' starts were measured
        return f"Start to first 2xx: **{startup['median_ms']} ms** (median of {starts} starts)."
    baselines = "; ".join(
        f"`{kind}`, to its first create: {figures['median_ms']} ms"
        for kind, figures in startup["baselines"].items()
    )
    return (
        f"Start to first answered API request (`{startup['first_request']}`): **{startup['median_ms']} ms**; "
        f"{baselines} (medians of {starts} starts each, interleaved)."
    )


def targets_table(rows: list[dict] | None) -> str:
    """Issue 13's targets: each figure beside the bare endpoint's, the ratio, the goal and the result."""
    targets = bench_targets()
    if rows is None:  # a run from before the targets were evaluated
        rows = targets.not_measured()
    lines = [
        f"Issue 13's targets, beside the bare Flask endpoint served the same way (`{targets.BARE}`). "
        f"The {targets.HEADLINE} placement is the headline; the pinned rows repeat the throughput targets.",
        "",
        f"| target | placement | measured | {targets.BARE} | ratio | goal | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        cells = [
            row["label"],
            row["placement"],
            targets.figure_text(row["measured"], row["unit"]),
            targets.figure_text(row["bare"], row["unit"]),
            targets.ratio_text(row["ratio"]),
            row["goal"],
            targets.status(row),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def workload_rows(table: dict) -> dict[str, dict]:
    """The measured workloads (`provider/route/cN`), leaving out derived figures such as machinery-cost."""
    return {key: row for key, row in table.items() if isinstance(row, dict)}


MISSING = "–"  # a figure this run did not measure


def speed_cells(row: dict | None) -> str:
    if row is None:
        return f"{MISSING} | {MISSING}"
    return f"{row['rps']:,.0f} | {row['p50_ms']:.2f} / {row['p99_ms']:.1f}"


def throughput_table(throughput: dict) -> str:
    placements = list(throughput)
    header = "| workload / connections | " + " | ".join(
        f"{placement} req/s | {placement} p50 / p99 ms" for placement in placements
    )
    lines = [header + " |", "|---|" + "---|---|" * len(placements)]
    for workload in workload_rows(throughput[placements[0]]):
        cells = " | ".join(speed_cells(throughput[p].get(workload)) for p in placements)
        lines.append(f"| {workload} | {cells} |")
    return "\n".join(lines)


def connection_label(key: str) -> str:
    """`machinery-cost/c32` -> `32`."""
    return key.rsplit("/c", 1)[1]


def ratio_text(ratio: float | None) -> str:
    return MISSING if ratio is None else f"{ratio:.2f}×"


COST_TABLES = {
    "machinery-cost": (
        "Bare Flask's req/s over ours, on Dots creates (1.0× would mean the machinery costs nothing):"
    ),
    "front-cost": (
        "The bare endpoint's req/s on granian's own WSGI (`bare-flask-wsgi`) over its req/s through our "
        "front (`bare-flask`): what reading each request whole before the app sees it costs."
    ),
}


def machinery_cost_table(throughput: dict) -> str:
    placements = list(throughput)
    tables = []
    for prefix, caption in COST_TABLES.items():
        keys = [key for key in throughput[placements[0]] if key.startswith(f"{prefix}/")]
        if not keys:
            continue
        lines = [
            caption,
            "",
            "| connections | " + " | ".join(placements) + " |",
            "|---|" + "---|" * len(placements),
        ]
        for key in keys:
            cells = " | ".join(ratio_text(throughput[p].get(key)) for p in placements)
            lines.append(f"| {connection_label(key)} | {cells} |")
        tables.append("\n".join(lines))
    return "\n\n".join(tables)


def speedups_table(speedups: dict) -> str:
    lines = [
        "Dots creates, pinned; worth is req/s with the speed-up on over req/s with it off:",
        "",
        "| speed-up / connections | worth |",
        "|---|---|",
    ]
    for key, value in speedups.items():
        if key.startswith("worth/"):
            lines.append(f"| {key.removeprefix('worth/')} | {value:.3f}× |")
    return "\n".join(lines)


def memory_table(memory: dict) -> str:
    rows = [
        ("idle", f"{memory['idle_mb']} MB"),
        (f"after storing {memory['users_stored']:,} Dots users", f"{memory['after_users_mb']} MB"),
    ]
    if "soak_requests_early" in memory:
        growth = f"{memory['soak_growth_pct']:+g}%"
        rows += [
            (
                f"soak, after {memory['soak_requests_early']:,} Dakota creates",
                f"{memory['soak_early_mb']} MB",
            ),
            (
                f"soak, after {memory['soak_requests_late']:,} Dakota creates",
                f"{memory['soak_late_mb']} MB ({growth})",
            ),
        ]
    lines = ["RSS of the server's process tree:", "", "| state | RSS |", "|---|---|"]
    return "\n".join(lines + [f"| {state} | {rss} |" for state, rss in rows])


# --- command ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="rewrite nothing; exit 1 if a page is stale")
    args = parser.parse_args(argv)
    try:
        changed = stale_pages() if args.check else write_pages()
    except (OSError, ValueError) as error:
        print(f"docs: {error}", file=sys.stderr)
        return 2
    for page in changed:
        if args.check:
            print(f"stale: {page} (run {COMMAND})", file=sys.stderr)
        else:
            print(f"rewrote {page}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
