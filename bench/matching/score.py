#!/usr/bin/env python3
"""Scores a matching tool's output against the truth (shared/bench/CONTRACT.md, "Scoring").

    score.py dedupe --truth T --pred clusters.csv [--records R.csv] [--corruptions C.csv]
    score.py link   --truth T --pred pairs.csv [--min-score S] [--ranked top.csv]
                    [--records L.csv --records R.csv] [--corruptions C.csv]
    score.py search --queries Q.csv --truth T --pred hits.csv

and the common options --time-log FILE (the `/usr/bin/time -v` report of the run, for wall time
and peak memory; given once per run when the run was repeated, the run of median wall time
gives every time figure, and `wall_runs` lists them all), --meta key=value (copied into the
result) and --out result.json.

Metrics:
* dedupe: pairwise precision, recall and F1 over the pairs inside predicted clusters, counted
  from the contingency of predicted and true clusters (no pair enumeration, so a tool that
  chains a million records together is still scored quickly).
* link: pairwise precision, recall and F1 of the predicted pairs (rows of pairs.csv, or those
  with score >= --min-score); from --ranked (the --top K output, with scores): recall@10 (share
  of right records with a true partner that have one among their 10 best candidates) and recall
  at precision >= 0.99 (the best recall of any score threshold whose precision is >= 0.99).
* search: recall@1 and recall@10: share of queries whose person is among the first 1 / 10 hits.
* For dedupe and link, recall by script pair (the scripts the two records' names are written in)
  and by corruption type (a true pair counts for every corruption either record carries).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter, defaultdict

csv.field_size_limit(1 << 30)


def read_rows(path: str):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        yield header
        yield from reader


def read_truth(path: str) -> dict[str, str]:
    rows = read_rows(path)
    header = next(rows)
    i, c = header.index("id"), header.index("cluster_id")
    return {row[i]: row[c] for row in rows if row}


def script_of(text: str) -> str:
    for ch in text:
        if ch.isalpha():
            code = ord(ch)
            if code < 0x250:
                return "latn"
            if 0x400 <= code < 0x530:
                return "cyrl"
            if 0x530 <= code < 0x590:
                return "armn"
            if 0x600 <= code < 0x700 or 0xFB50 <= code < 0xFF00:
                return "arab"
            return "other"
    return "none"


def read_scripts(paths: list[str]) -> dict[str, str]:
    scripts: dict[str, str] = {}
    for path in paths:
        rows = read_rows(path)
        header = next(rows)
        index = {name: i for i, name in enumerate(header)}
        cols = [index[c] for c in ("full_name", "family_name", "given_name") if c in index]
        for row in rows:
            if not row:
                continue
            text = " ".join(row[c] for c in cols)
            scripts[row[index["id"]]] = script_of(text)
    return scripts


def read_corruptions(path: str | None) -> dict[str, list[str]]:
    if not path:
        return {}
    out: dict[str, list[str]] = {}
    rows = read_rows(path)
    next(rows)
    for row in rows:
        if len(row) >= 2 and row[1]:
            tokens = [t for t in row[1].split(";") if t and not t.startswith("script:")]
            if tokens:
                out[row[0]] = tokens
    return out


def prf(tp: int, predicted: int, true: int) -> dict[str, float | int]:
    precision = tp / predicted if predicted else 0.0
    recall = tp / true if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision, "recall": recall, "f1": f1,
        "true_pairs": true, "predicted_pairs": predicted, "true_positives": tp,
    }


def pairs2(n: int) -> int:
    return n * (n - 1) // 2


def stratify(pairs, found, scripts, corruptions):
    """Recall per script pair and per corruption type over the true pairs."""
    by_script: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_corruption: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for a, b in pairs:
        hit = found(a, b)
        if scripts:
            key = "-".join(sorted((scripts.get(a, "none"), scripts.get(b, "none"))))
            cell = by_script[key]
            cell[0] += hit
            cell[1] += 1
        if corruptions:
            tokens = set(corruptions.get(a, ())) | set(corruptions.get(b, ()))
            if not tokens:
                tokens = {"none"}
            for token in tokens:
                cell = by_corruption[token]
                cell[0] += hit
                cell[1] += 1
    as_dict = lambda d: {k: {"recall": v[0] / v[1], "pairs": v[1]} for k, v in sorted(d.items())}
    return as_dict(by_script), as_dict(by_corruption)


def score_dedupe(args) -> dict:
    truth = read_truth(args.truth)
    rows = read_rows(args.pred)
    header = next(rows)
    i, c = header.index("id"), header.index("cluster_id")
    pred: dict[str, str] = {}
    for row in rows:
        if row:
            pred[row[i]] = row[c]
    # Records a tool left out are singletons.
    ids = list(truth)
    missing = sum(1 for r in ids if r not in pred)
    pred_of = lambda r: pred.get(r, "\0" + r)
    true_sizes = Counter(truth.values())
    pred_sizes = Counter(pred_of(r) for r in ids)
    cells = Counter((pred_of(r), truth[r]) for r in ids)
    tp = sum(pairs2(n) for n in cells.values())
    result = prf(tp, sum(pairs2(n) for n in pred_sizes.values()),
                 sum(pairs2(n) for n in true_sizes.values()))
    result["records"] = len(ids)
    result["records_missing_from_output"] = missing
    result["largest_predicted_cluster"] = max(pred_sizes.values()) if pred_sizes else 0
    members: dict[str, list[str]] = defaultdict(list)
    for r in ids:
        members[truth[r]].append(r)
    true_pairs = ((m[x], m[y]) for m in members.values() for x in range(len(m)) for y in range(x + 1, len(m)))
    scripts = read_scripts(args.records) if args.records else {}
    by_script, by_corruption = stratify(
        true_pairs, lambda a, b: pred_of(a) == pred_of(b), scripts, read_corruptions(args.corruptions)
    )
    result["recall_by_script_pair"] = by_script
    result["recall_by_corruption"] = by_corruption
    return result


def read_scored(path: str, first: tuple[str, ...], second: tuple[str, ...]):
    rows = read_rows(path)
    header = [h.strip() for h in next(rows)]
    index = {name: i for i, name in enumerate(header)}
    a = next((index[n] for n in first if n in index), 0)
    b = next((index[n] for n in second if n in index), 1)
    s = index.get("score")
    for row in rows:
        if row:
            yield row[a], row[b], float(row[s]) if s is not None and row[s] != "" else 1.0


def score_link(args) -> dict:
    truth = read_truth(args.truth)
    left_ids: set[str] = set()
    right_ids: set[str] = set()
    if args.records and len(args.records) == 2:
        for path, into in zip(args.records, (left_ids, right_ids)):
            rows = read_rows(path)
            i = next(rows).index("id")
            into.update(row[i] for row in rows if row)
    else:
        sys.exit("link scoring needs --records LEFT.csv --records RIGHT.csv")
    left_by_cluster = Counter(truth[r] for r in left_ids if r in truth)
    right_by_cluster = Counter(truth[r] for r in right_ids if r in truth)
    true_total = sum(n * right_by_cluster.get(c, 0) for c, n in left_by_cluster.items())
    predicted = set()
    for left, right, score in read_scored(args.pred, ("left_id",), ("right_id",)):
        if score >= args.min_score:
            predicted.add((left, right))
    same = lambda l, r: l in truth and truth.get(l) == truth.get(r)
    tp = sum(1 for l, r in predicted if same(l, r))
    result = prf(tp, len(predicted), true_total)
    if args.ranked:
        candidates: dict[str, list[tuple[float, str]]] = defaultdict(list)
        scored: dict[tuple[str, str], float] = {}
        for left, right, score in read_scored(args.ranked, ("left_id",), ("right_id",)):
            candidates[right].append((score, left))
            scored[(left, right)] = max(score, scored.get((left, right), 0.0))
        with_partner = [r for r in right_ids if right_by_cluster.get(truth.get(r, ""), 0) and left_by_cluster.get(truth[r], 0)]
        hits = 0
        for r in with_partner:
            best = sorted(candidates.get(r, ()), key=lambda x: (-x[0], x[1]))[:10]
            hits += any(same(l, r) for _, l in best)
        result["recall_at_10"] = hits / len(with_partner) if with_partner else 0.0
        result["recall_at_p99"] = recall_at_precision(scored, same, true_total, 0.99)
    left_members: dict[str, list[str]] = defaultdict(list)
    for r in left_ids:
        if r in truth:
            left_members[truth[r]].append(r)
    true_pairs = ((l, r) for r in right_ids if r in truth for l in left_members.get(truth[r], ()))
    scripts = read_scripts(args.records)
    by_script, by_corruption = stratify(
        true_pairs, lambda l, r: (l, r) in predicted, scripts, read_corruptions(args.corruptions)
    )
    result["recall_by_script_pair"] = by_script
    result["recall_by_corruption"] = by_corruption
    return result


def recall_at_precision(scored, same, true_total: int, floor: float) -> float:
    by_score: dict[float, list[int]] = defaultdict(lambda: [0, 0])
    for (l, r), score in scored.items():
        cell = by_score[score]
        if same(l, r):
            cell[0] += 1
        else:
            cell[1] += 1
    tp = fp = 0
    best = 0.0
    for score in sorted(by_score, reverse=True):
        tp += by_score[score][0]
        fp += by_score[score][1]
        if tp + fp and tp / (tp + fp) >= floor and true_total:
            best = max(best, tp / true_total)
    return best


def score_search(args) -> dict:
    truth = read_truth(args.truth)
    rows = read_rows(args.queries)
    header = next(rows)
    qi, ti = header.index("id"), header.index("truth_cluster")
    wanted = {row[qi]: row[ti] for row in rows if row}
    hits: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for query, record, score in read_scored(args.pred, ("query_id", "right_id", "query"), ("record_id", "id", "left_id")):
        hits[query].append((score, record))
    at1 = at10 = 0
    for query, cluster in wanted.items():
        ranked = [rec for _, rec in sorted(hits.get(query, ()), key=lambda x: (-x[0], x[1]))[:10]]
        found = [truth.get(rec) == cluster for rec in ranked]
        at1 += bool(found[:1] and found[0])
        at10 += any(found)
    n = len(wanted)
    return {"queries": n, "recall_at_1": at1 / n if n else 0.0, "recall_at_10": at10 / n if n else 0.0}


def parse_time_log(path: str | None) -> dict:
    if not path:
        return {}
    text = open(path, encoding="utf-8", errors="replace").read()
    out: dict = {}
    match = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    if match:
        seconds = 0.0
        for part in match.group(1).split(":"):
            seconds = seconds * 60 + float(part)
        out["wall_s"] = seconds
    cpu = [float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text)]
    if len(cpu) == 2:
        out["cpu_s"] = sum(cpu)
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if match:
        out["peak_rss_mb"] = int(match.group(1)) / 1024
    match = re.search(r"Exit status: (\d+)", text)
    if match:
        out["exit_status"] = int(match.group(1))
    # Latency figures a search command prints (p50/p99 in ms, queries/s).
    for key, pattern in [
        ("p50_ms", r"p50[^\d]{0,12}([\d.]+)\s*ms"),
        ("p99_ms", r"p99[^\d]{0,12}([\d.]+)\s*ms"),
        ("queries_per_s", r"([\d.,]+)\s*(?:queries/s|q/s|qps)"),
    ]:
        match = re.search(pattern, text)
        if match:
            out[key] = float(match.group(1).replace(",", ""))
    return out


def median_run(paths: list[str]) -> dict:
    """The figures of the run of median wall time (the lower median of an even count), and
    every run's wall time and CPU time (user + system), in run order."""
    runs = [parse_time_log(p) for p in paths]
    if not runs:
        return {}
    timed = sorted(range(len(runs)), key=lambda i: runs[i].get("wall_s", float("inf")))
    out = dict(runs[timed[(len(runs) - 1) // 2]])
    if len(runs) > 1:
        out["wall_runs"] = [r.get("wall_s") for r in runs]
        out["cpu_runs"] = [r.get("cpu_s") for r in runs]
        # A search's speed is its queries', not the whole process's (the index build is most
        # of the wall time): every run's figures, and their medians.
        if all(r.get("queries_per_s") is not None for r in runs):
            out["qps_runs"] = [r["queries_per_s"] for r in runs]
            out["p99_runs"] = [r.get("p99_ms") for r in runs]
            out["queries_per_s"] = sorted(out["qps_runs"])[(len(runs) - 1) // 2]
            out["p99_ms"] = sorted(p for p in out["p99_runs"] if p is not None)[(len(runs) - 1) // 2]
            out["p50_ms"] = sorted(r.get("p50_ms", 0) for r in runs)[(len(runs) - 1) // 2]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("task", choices=["dedupe", "link", "search"])
    parser.add_argument("--truth", required=True)
    parser.add_argument("--pred", required=True)
    parser.add_argument("--records", action="append")
    parser.add_argument("--corruptions")
    parser.add_argument("--ranked")
    parser.add_argument("--min-score", type=float, default=float("-inf"))
    parser.add_argument("--queries")
    parser.add_argument("--time-log", action="append", default=[])
    parser.add_argument("--meta", action="append", default=[])
    parser.add_argument("--out")
    args = parser.parse_args()
    result: dict = dict(item.split("=", 1) for item in args.meta)
    result.update(median_run(args.time_log))
    try:
        if args.task == "dedupe":
            result.update(score_dedupe(args))
        elif args.task == "link":
            result.update(score_link(args))
        else:
            result.update(score_search(args))
    except (OSError, ValueError, KeyError, StopIteration) as error:
        result["error"] = f"{type(error).__name__}: {error}"
    text = json.dumps(result, ensure_ascii=False, indent=1)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
