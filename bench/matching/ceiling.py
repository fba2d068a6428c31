#!/usr/bin/env python3
"""How far the engine is from what its comparison levels can tell apart: a ceiling analysis.

    python3 bench/matching/ceiling.py --pairs ALL.csv --truth T.csv --left L.csv --right R.csv \
        [--hard-negatives H.csv] [--missed ALL.csv.missed.csv]

ALL.csv is the output of `cargo run --release -p whereabouts-matching --example diagnose --
link L.csv R.csv ALL.csv --all`: every candidate pair with its probability (`score`), its
explanation and its comparison levels (`levels`, "feature=level" per feature).

Fellegi-Sunter scores a pair from its comparison vector (one level per feature: birth date
"year only agrees", father's name "same name in different scripts", ...), adjusted for the
frequency of the names. This script asks how well ANY score could do on the same candidates:

- oracle (in-sample): every distinct comparison vector is a class; the truth gives each class
  its share of true pairs, and classes are taken best first. No score that is a function of the
  comparison levels alone can do better on this data, whatever its weights; the figure is
  optimistic, since small classes are pure by chance.
- oracle (2-fold): the same, but a class's share is learned on the pairs of one half of the
  left records and applied to the other half (the engine's own score orders classes unseen in
  the learning half and breaks ties). This is what a supervised learner given the truth and
  the comparison levels would reach; it is the fair ceiling to set a floor against.
- the false pairs at or above the threshold that no field contradicts: every feature both
  records know agrees or is a known slip (the names of planted namesakes agree by
  construction). Such a pair looks like a true pair to anything that reads the two records.
- with --hard-negatives (the generator's hard_negatives.csv: `cluster_id,other_cluster_id,
  kind`), how many of the false pairs are between two persons the generator planted as
  namesakes (the same given, father's, grandfather's and family name; namesakes of one person
  are namesakes of each other) or as a father and his son of the same name.

- with --missed (`diagnose link ... --truth T.csv` writes ALL.csv.missed.csv: the true pairs
  that are not candidates, scored by the trained model, with their levels): the engine and the
  oracles again with every true pair a candidate, as if candidate generation lost nothing.
  This is optimistic for a second reason: a wider candidate generation would also bring more
  false pairs, and none are added.

Recall is over all true pairs of the truth (candidates or not), like bench/matching/score.py.
Standard library only.
"""
import argparse
import collections
import zlib

from errors import read_csv  # the same reader (a BOM, newline handling)

# Levels at which a feature contradicts a match (see crates/matching/src/compare.rs and
# date.rs): a different name or place, a conflicting service number, birth dates no slip
# explains.
CONTRADICTING = {
    "different",
    "disagree",
    "conflict",
    "far",
    "full_dates_years_apart",
    "same_year_other_day",
    "year_off_1_other_day",
    "year_off_2_5",
}
FEATURES = [
    "given name",
    "family name",
    "patronymic",
    "birth date",
    "sex",
    "father's name",
    "mother's name",
    "service number",
    "birth place",
    "nationality",
    "address",
]


def parse_levels(text):
    """'given name=exact family name=different ...' -> {feature: level}."""
    out = {}
    positions = sorted((text.find(f + "="), f) for f in FEATURES if text.find(f + "=") >= 0)
    for i, (start, feature) in enumerate(positions):
        end = positions[i + 1][0] if i + 1 < len(positions) else len(text)
        out[feature] = text[start + len(feature) + 1 : end].strip()
    return out


def recall_at_precision(scored, total, precision=0.99):
    """Best recall at any score threshold whose precision is at least `precision`, and the
    best F1 at any threshold; `scored` is [(score, is_true)]."""
    scored = sorted(scored, key=lambda x: -x[0])
    tp = fp = 0
    best_recall = best_f1 = 0.0
    for i, (score, is_true) in enumerate(scored):
        tp += is_true
        fp += not is_true
        if i + 1 < len(scored) and scored[i + 1][0] == score:
            continue  # a threshold takes every pair of one score
        p, r = tp / (tp + fp), tp / total
        if p >= precision:
            best_recall = max(best_recall, r)
        if tp:
            best_f1 = max(best_f1, 2 * p * r / (p + r))
    return best_recall, best_f1


def ceilings(pairs, total):
    """The engine's and the two oracles' recall at precision 0.99 and best F1 over `pairs`
    (score, is_true, levels, fold), and the comparison classes."""
    engine_r, engine_f1 = recall_at_precision([(s, t) for s, t, _, _ in pairs], total)
    classes = collections.defaultdict(lambda: [0, 0])
    for _, t, levels, _ in pairs:
        classes[levels][t] += 1
    # In-sample: each class's share of true pairs, best first.
    oracle = [(c[1] / (c[0] + c[1]), bool(t)) for c in classes.values() for t in (0, 1) for _ in range(c[t])]
    oracle_r, oracle_f1 = recall_at_precision(oracle, total)
    # 2-fold: shares learned on the other half of the left records.
    cross = []
    for fold in (0, 1):
        learned = collections.defaultdict(lambda: [0, 0])
        for _, t, levels, f in pairs:
            if f != fold:
                learned[levels][t] += 1
        for s, t, levels, f in pairs:
            if f == fold:
                c = learned.get(levels)
                share = (c[1] + s) / (c[0] + c[1] + 1) if c else s
                cross.append((share, t))
    cross_r, cross_f1 = recall_at_precision(cross, total)
    return engine_r, engine_f1, oracle_r, oracle_f1, cross_r, cross_f1, classes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--left", required=True)
    ap.add_argument("--right", required=True)
    ap.add_argument("--hard-negatives")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--missed")
    args = ap.parse_args()

    # Namesake groups (union-find over the planted namesake edges) and father-son pairs.
    parent = {}

    def find(c):
        while parent.get(c, c) != c:
            c = parent[c] = parent.get(parent[c], parent[c])
        return c

    sons = set()
    if args.hard_negatives:
        for row in read_csv(args.hard_negatives):
            a, b = row["cluster_id"], row["other_cluster_id"]
            if row["kind"] == "namesake":
                parent.setdefault(a, a)
                parent.setdefault(b, b)
                parent[find(a)] = find(b)
            else:
                sons.add(frozenset((a, b)))

    def relation(a, b):
        if frozenset((a, b)) in sons:
            return "father and son"
        if a in parent and b in parent and find(a) == find(b):
            return "namesakes"
        return "other"

    truth = {r["id"]: r["cluster_id"] for r in read_csv(args.truth)}
    left = [r["id"] for r in read_csv(args.left)]
    right_count = collections.Counter(truth[r["id"]] for r in read_csv(args.right))
    total = sum(right_count[truth[i]] for i in left)

    pairs = []
    pairs_with_clusters = []
    for row in read_csv(args.pairs):
        if "levels" not in row:
            raise SystemExit(
                f"{args.pairs}: no `levels` column; write it with `diagnose link ... --all`"
            )
        is_true = truth.get(row["left_id"]) == truth.get(row["right_id"])
        fold = zlib.crc32(row["left_id"].encode()) % 2
        pairs.append((float(row["score"]), is_true, row["levels"], fold))
        pairs_with_clusters.append(
            pairs[-1] + (truth.get(row["left_id"]), truth.get(row["right_id"]))
        )

    engine_r, engine_f1, oracle_r, oracle_f1, cross_r, cross_f1, classes = ceilings(pairs, total)
    tp = sum(1 for s, t, _, _ in pairs if s >= args.threshold and t)
    fp = sum(1 for s, t, _, _ in pairs if s >= args.threshold and not t)
    p = tp / max(1, tp + fp)
    r = tp / total
    f1 = 2 * p * r / (p + r) if tp else 0.0

    missed = []
    if args.missed:
        for row in read_csv(args.missed):
            if "levels" not in row:
                raise SystemExit(
                    f"{args.missed}: no `levels` column; write it with `diagnose link ... --truth`"
                )
            fold = zlib.crc32(row["left_id"].encode()) % 2
            missed.append((float(row["score"]), True, row["levels"], fold))

    silent = collections.Counter()
    planted = collections.Counter()
    for s, t, levels, _, a, b in pairs_with_clusters:
        if s >= args.threshold and not t:
            parsed = parse_levels(levels)
            contradicted = [f for f, level in parsed.items() if level in CONTRADICTING]
            planted[relation(a, b)] += 1
            if not contradicted:
                silent[parsed.get("birth date", "missing")] += 1
                planted[relation(a, b) + ", no field contradicting"] += 1

    print(f"true pairs {total}, candidate pairs {len(pairs)}, comparison vectors {len(classes)}")
    print()
    print("| scorer | P at threshold | R at threshold | F1 at threshold | best F1 | R@p>=0.99 |")
    print("|---|---|---|---|---|---|")
    print(f"| Whereabouts (threshold {args.threshold}) | {p:.4f} | {r:.4f} | {f1:.4f} | {engine_f1:.4f} | {engine_r:.4f} |")
    print(f"| oracle on the comparison levels, 2-fold | — | — | — | {cross_f1:.4f} | {cross_r:.4f} |")
    print(f"| oracle on the comparison levels, in-sample | — | — | — | {oracle_f1:.4f} | {oracle_r:.4f} |")
    if args.missed:
        every = pairs + missed
        e_r, e_f1, o_r, o_f1, c_r, c_f1, _ = ceilings(every, total)
        tp_all = tp + sum(1 for s, _, _, _ in missed if s >= args.threshold)
        p_all = tp_all / max(1, tp_all + fp)
        r_all = tp_all / total
        f1_all = 2 * p_all * r_all / (p_all + r_all) if tp_all else 0.0
        print(f"| Whereabouts, every true pair a candidate ({len(missed)} added) | {p_all:.4f} | {r_all:.4f} | {f1_all:.4f} | {e_f1:.4f} | {e_r:.4f} |")
        print(f"| oracle, every true pair a candidate, 2-fold | — | — | — | {c_f1:.4f} | {c_r:.4f} |")
        print(f"| oracle, every true pair a candidate, in-sample | — | — | — | {o_f1:.4f} | {o_r:.4f} |")
    print()
    n_silent = sum(silent.values())
    print(
        f"false pairs at or above {args.threshold}: {fp}; of them {n_silent} have no field that "
        "contradicts a match (every field both records know agrees or is a known slip), by birth date: "
        + ", ".join(f"{level} {n}" for level, n in silent.most_common())
    )
    if args.hard_negatives:
        print()
        print(
            f"false pairs at or above {args.threshold} by what the generator planted: "
            + ", ".join(f"{kind} {n}" for kind, n in sorted(planted.items()))
        )


if __name__ == "__main__":
    main()
