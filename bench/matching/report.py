#!/usr/bin/env python3
"""Builds the matching benchmark's markdown tables from the result files score.py wrote.

    report.py RESULTS_DIR > latest.md

Each result is one run of one tool on one dataset and task (`dataset`, `task`, `tool`, `order`
metadata). Rows pair Whereabouts with Splink (and Splink on Unidecode-transliterated names where
it was run); ratios are Splink / Whereabouts.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

TOOLS = ("whereabouts", "splink", "splink+unidecode")


def fmt(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "s":
        return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"
    if kind == "mb":
        return f"{value / 1024:.2f} GB" if value >= 1024 else f"{value:.0f} MB"
    if kind == "p":
        return f"{value:.4f}"
    return str(value)


def ratio(splink, ours) -> str:
    if splink is None or ours is None or ours <= 0:
        return "—"
    return f"{splink / ours:.1f}×"


def main() -> int:
    root = Path(sys.argv[1])
    results = []
    for path in sorted(root.glob("*.json")):
        try:
            results.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            print(f"skipping {path}: {error}", file=sys.stderr)
    rows: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    order: dict[tuple[str, str], float] = {}
    for result in results:
        key = (result.get("dataset", "?"), result.get("task", "?"))
        rows[key][result.get("tool", "?")] = result
        order[key] = min(order.get(key, 1e9), float(result.get("order", 1e9)))

    def cell(result: dict | None, name: str):
        if not result or result.get("error") or result.get("exit_status", 0) != 0:
            return None
        return result.get(name)

    out = []
    out.append(
        "| dataset | task | wall W | wall S | S/W | peak W | peak S | S/W | P W | P S | R W | R S "
        "| F1 W | F1 S | R@10 W | R@10 S | R@p≥0.99 W | R@p≥0.99 S | notes |"
    )
    out.append("|" + "---|" * 19)
    for key in sorted(rows, key=lambda k: order[k]):
        tools = rows[key]
        ours = tools.get("whereabouts")
        notes = []
        for name, result in tools.items():
            if result.get("error", "").startswith("FileNotFoundError"):
                notes.append(f"{name}: no output (the command failed; see its .err file)")
            elif result.get("error"):
                notes.append(f"{name}: {result['error']}")
            elif result.get("exit_status", 0) != 0:
                notes.append(f"{name}: failed (exit {result.get('exit_status')})")
        for name, result in tools.items():
            walls = result.get("wall_runs")
            if walls and len(walls) > 1:
                cpus = result.get("cpu_runs") or []
                label = {"whereabouts": "W", "splink": "S", "splink+unidecode": "S+u"}.get(name, name)
                notes.append(
                    f"{label} wall of {len(walls)} runs (median shown): "
                    + ", ".join(fmt(w, "s") for w in walls)
                    + (
                        "; CPU " + ", ".join(fmt(c, "s") for c in cpus)
                        if all(c is not None for c in cpus) else ""
                    )
                )
        if ours and ours.get("p99_ms") is not None:
            runs = ours.get("qps_runs")
            notes.append(
                f"W search p50 {ours.get('p50_ms', 0):.2f} ms, p99 {ours['p99_ms']:.2f} ms, "
                f"{ours.get('queries_per_s', 0):,.0f} queries/s"
                + (
                    f" (medians of {len(runs)} runs: "
                    + ", ".join(f"{q:,.0f}" for q in runs)
                    + " queries/s, p99 "
                    + ", ".join(f"{p:.2f}" for p in ours.get("p99_runs", []))
                    + " ms)"
                    if runs and len(runs) > 1 else ""
                )
            )
        for variant in ("splink", "splink+unidecode"):
            theirs = tools.get(variant)
            if variant == "splink+unidecode" and not theirs:
                continue
            label = key[1] if variant == "splink" else f"{key[1]} (Splink on Unidecode names)"
            w = ours if variant == "splink" else None
            recall10 = "recall_at_10"
            values = [
                key[0], label,
                fmt(cell(w, "wall_s"), "s"), fmt(cell(theirs, "wall_s"), "s"),
                ratio(cell(theirs, "wall_s"), cell(w, "wall_s")),
                fmt(cell(w, "peak_rss_mb"), "mb"), fmt(cell(theirs, "peak_rss_mb"), "mb"),
                ratio(cell(theirs, "peak_rss_mb"), cell(w, "peak_rss_mb")),
                fmt(cell(w, "precision"), "p"), fmt(cell(theirs, "precision"), "p"),
                fmt(cell(w, "recall"), "p"), fmt(cell(theirs, "recall"), "p"),
                fmt(cell(w, "f1"), "p"), fmt(cell(theirs, "f1"), "p"),
                fmt(cell(w, recall10), "p"), fmt(cell(theirs, recall10), "p"),
                fmt(cell(w, "recall_at_p99"), "p"), fmt(cell(theirs, "recall_at_p99"), "p"),
                "; ".join(notes) if variant == "splink" else "",
            ]
            out.append("| " + " | ".join(values) + " |")
    out.append("")
    out.append(
        "W = Whereabouts, S = Splink 5.0.0 (DuckDB). Wall time and peak memory (maximum resident "
        "set size) are of the whole process, from `/usr/bin/time -v`. P, R, F1: pairwise "
        "precision, recall and F1 (dedupe: pairs inside predicted clusters; link: predicted "
        "pairs). R@10: share of right records (link) or queries (search) whose person is among "
        "the 10 best candidates. R@p≥0.99: best recall at any score threshold whose precision "
        "is at least 0.99. — : not applicable or not produced."
    )
    out.append("")

    # Stratified recall for the synthetic sets.
    strata = [
        key for key in sorted(rows, key=lambda k: order[k])
        if any(r.get("strata") == "1" for r in rows[key].values())
    ]
    for field, title in (("recall_by_script_pair", "script pair"), ("recall_by_corruption", "corruption")):
        columns = []
        for key in strata:
            for tool in TOOLS:
                result = rows[key].get(tool)
                if result and result.get(field):
                    columns.append((key, tool, result[field]))
        if not columns:
            continue
        names = sorted({name for _, _, data in columns for name in data})
        header = [f"recall by {title}"] + [
            f"{key[0]} {key[1]} {'W' if tool == 'whereabouts' else ('S+u' if 'unidecode' in tool else 'S')}"
            for key, tool, _ in columns
        ] + ["true pairs (largest column)"]
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        for name in names:
            pairs = max((data[name]["pairs"] for _, _, data in columns if name in data), default=0)
            cells = [fmt(data[name]["recall"], "p") if name in data else "—" for _, _, data in columns]
            out.append(f"| {name} | " + " | ".join(cells) + f" | {pairs:,} |")
        out.append("")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
