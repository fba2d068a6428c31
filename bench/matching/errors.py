#!/usr/bin/env python3
"""Error analysis of a link run against the truth: why each error happened, grouped by cause.

    bench/.venv/bin/python bench/matching/errors.py --left L.csv --right R.csv --truth T.csv \
        --pairs ALL.csv [--corruptions C.csv] [--threshold 0.5] [--show 5]

ALL.csv is the output of `cargo run --release -p whereabouts-matching --example diagnose --
link L.csv R.csv ALL.csv --all`: every candidate pair with its probability and explanation
(one sentence per feature: "<feature>: <level words> (<a> / <b>), <weight>").

Reports
- true pairs that are not candidates at all (candidate generation missed them);
- false negatives (true pairs under the threshold) grouped by the features that pulled them
  down (negative contributions) and by which features were missing on one side;
- false positives (pairs at or above the threshold of different persons) grouped by the
  features that made them agree, and whether the true partner of the right record was outranked;
- recall at precision >= 0.99 and the score of the first false positives that limit it.
Standard library only (no pandas), so it runs with any Python 3.
"""
import argparse
import collections
import csv
import re

FEATURE_RE = re.compile(r"^(?P<feature>[a-z' ]+): (?P<words>.*?)(?: \((?P<vals>.*)\))?, (?P<w>[+-]\d+(?:\.\d+)?)(?P<rest>.*)$")


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def parse_expl(text):
    """[(feature, words, weight)] from the diagnose explanation column."""
    out = []
    for part in text.split("; "):
        m = FEATURE_RE.match(part)
        if m:
            out.append((m.group("feature"), m.group("words"), float(m.group("w"))))
    return out


FIELDS = ["given_name", "patronymic", "family_name", "birth_date", "sex", "birth_place",
          "nationality", "father_name", "mother_name", "service_number"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--left", required=True)
    ap.add_argument("--right", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--pairs", required=True)
    ap.add_argument("--corruptions")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--show", type=int, default=3, help="examples printed per cause")
    a = ap.parse_args()

    left = {r["id"]: r for r in read_csv(a.left)}
    right = {r["id"]: r for r in read_csv(a.right)}
    cluster = {r["id"]: r["cluster_id"] for r in read_csv(a.truth)}
    corr = {}
    if a.corruptions:
        corr = {r["id"]: r["corruptions"] for r in read_csv(a.corruptions)}
    by_cluster = collections.defaultdict(list)
    for i in left:
        by_cluster[cluster.get(i)].append(i)
    true_pairs = {(l, r) for r in right for l in by_cluster.get(cluster.get(r), []) if cluster.get(r)}

    pairs = {}
    for p in read_csv(a.pairs):
        pairs[(p["left_id"], p["right_id"])] = (float(p["score"]), p.get("explanation", ""))

    def rec(i):
        return left.get(i) or right.get(i)

    def brief(i):
        r = rec(i)
        name = r["full_name"] or " ".join(x for x in (r["given_name"], r["patronymic"], r["family_name"]) if x)
        bits = [name, r["birth_date"] or "-", "pl=" + (r["birth_place"] or "-"),
                "fa=" + (r["father_name"] or "-"), "mo=" + (r["mother_name"] or "-"),
                "sn=" + (r["service_number"] or "-")]
        return " | ".join(bits)

    def both_known(l, r):
        return [f for f in FIELDS if rec(l).get(f) and rec(r).get(f)]

    # Best-scoring left candidate of every right record.
    best = {}
    for (l, r), (s, _) in pairs.items():
        if r not in best or s > best[r][0]:
            best[r] = (s, l)

    missing = [p for p in true_pairs if p not in pairs]
    fn = [p for p in true_pairs if p in pairs and pairs[p][0] < a.threshold]
    tp = [p for p in true_pairs if p in pairs and pairs[p][0] >= a.threshold]
    fp = [p for p, (s, _) in pairs.items() if s >= a.threshold and p not in true_pairs]
    n = len(true_pairs)
    prec = len(tp) / max(1, len(tp) + len(fp))
    print(f"true pairs {n}; found {len(tp)}, under threshold {len(fn)}, not candidates {len(missing)}, "
          f"false positives {len(fp)}; P {prec:.4f} R {len(tp)/n:.4f}")

    # Recall at precision >= 0.99.
    scored = sorted(((s, p in true_pairs) for p, (s, _) in pairs.items()), reverse=True)
    t = f_ = 0
    best_r = 0.0
    first_fps = []
    for s, ok in scored:
        if ok:
            t += 1
        else:
            f_ += 1
            if len(first_fps) < 10:
                first_fps.append(round(s, 4))
        if t / (t + f_) >= 0.99:
            best_r = max(best_r, t / n)
    print(f"recall at precision >= 0.99: {best_r:.4f}; scores of the 10 highest false positives: {first_fps}")

    def tags(p):
        l, r = p
        return set((corr.get(l, "") + ";" + corr.get(r, "")).strip(";").split(";")) - {""}

    # --- not candidates
    print(f"\n## Not candidates ({len(missing)}): corruptions")
    c = collections.Counter(t for p in missing for t in tags(p))
    print("  " + ", ".join(f"{k} {v}" for k, v in c.most_common(12)))
    for p in missing[: a.show]:
        print(f"  L {brief(p[0])}\n  R {brief(p[1])}")

    # --- false negatives by negative features
    print(f"\n## False negatives ({len(fn)}): the negative contributions (feature: level)")
    neg = collections.Counter()
    sig = collections.Counter()
    examples = collections.defaultdict(list)
    outranked = 0
    for p in fn:
        s, e = pairs[p]
        feats = parse_expl(e)
        negs = sorted({f"{f}: {w}" for f, w, x in feats if x < 0})
        for k in negs:
            neg[k] += 1
        key = " + ".join(negs) or "(no negative feature: too little evidence)"
        sig[key] += 1
        if len(examples[key]) < a.show:
            examples[key].append(p)
        if best.get(p[1], (0, None))[1] != p[0]:
            outranked += 1
    print(f"  ({outranked} of them are outranked by another left record)")
    for k, v in neg.most_common(20):
        print(f"  {v:5d}  {k}")
    print("\n  by combination:")
    for k, v in sig.most_common(15):
        print(f"  {v:5d}  {k}")
        for p in examples[k]:
            print(f"         {pairs[p][0]:.3f}  L {brief(p[0])}\n                R {brief(p[1])}")
            print(f"                {pairs[p][1][:400]}")
    # The evidence available to the FN: fields known on both sides.
    print("\n  fields known on both sides (FN / TP):")
    kfn = collections.Counter(f for p in fn for f in both_known(*p))
    ktp = collections.Counter(f for p in tp for f in both_known(*p))
    for f in FIELDS:
        print(f"    {f:15s} {kfn[f]/max(1,len(fn)):.2f} / {ktp[f]/max(1,len(tp)):.2f}")
    print("\n  corruptions of false negatives:")
    c = collections.Counter(t for p in fn for t in tags(p))
    print("  " + ", ".join(f"{k} {v}" for k, v in c.most_common(25)))

    # --- false positives by agreeing features
    print(f"\n## False positives ({len(fp)}): the positive contributions")
    pos = collections.Counter()
    sig = collections.Counter()
    examples = collections.defaultdict(list)
    has_true = 0
    for p in fp:
        s, e = pairs[p]
        feats = parse_expl(e)
        poss = sorted({f for f, w, x in feats if x > 0})
        negs = sorted({f for f, w, x in feats if x < 0})
        for k in poss:
            pos[k] += 1
        key = "agree: " + ",".join(poss) + " | disagree: " + (",".join(negs) or "-")
        sig[key] += 1
        if len(examples[key]) < a.show:
            examples[key].append(p)
        if any((l, p[1]) in true_pairs for l in left):
            has_true += 1
    print(f"  ({has_true} of them have a true partner in the left file)")
    for k, v in pos.most_common(12):
        print(f"  {v:5d}  {k}")
    print("\n  by combination:")
    for k, v in sig.most_common(12):
        print(f"  {v:5d}  {k}")
        for p in examples[k]:
            print(f"         {pairs[p][0]:.3f}  L {brief(p[0])}\n                R {brief(p[1])}")
            print(f"                {pairs[p][1][:400]}")


if __name__ == "__main__":
    main()
