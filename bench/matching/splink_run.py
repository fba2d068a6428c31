#!/usr/bin/env python3
"""Splink 5 (DuckDB) on the person-records CSV contract, for the side-by-side matching benchmark.

    splink_run.py link LEFT.csv RIGHT.csv -o pairs.csv [--threshold 0.5] [--top K] [--translit]
    splink_run.py dedupe RECORDS.csv -o clusters.csv [--threshold 0.5] [--translit]

Outputs follow shared/bench/CONTRACT.md: `left_id,right_id,score` for link (every pair at or
above the threshold; with --top K also the best K candidates of every right record whatever their
score) and `id,cluster_id` for dedupe (every record).

The model is the one the research note (shared/research/matching.md, section 1) measured, built
from Splink's own library comparisons, with no tuning to our data:

* person names (synthetic sets): ForenameSurnameComparison(given, family) with a full-name
  term-frequency column, NameComparison(patronymic), DateOfBirthComparison(dob), ExactMatch on
  birth year, sex, nationality, birth place, father's and mother's names and service number;
  prediction blocking on dob | family + birth year | given + family | given + patronymic |
  service number; lambda from given + family + dob at recall 0.5; u from 2M random pairs; EM on
  dob and on given + family.
* FEBRL (when the extra FEBRL columns are present): the model of Splink's FEBRL4 example:
  NameComparison on given name and surname, DateOfBirthComparison on the raw YYYYMMDD date,
  Damerau-Levenshtein on soc_sec_id (service_number) and postcode, exact street number, suburb
  and state with term frequencies.

Splink has no transliteration: its documentation says inputs must be standardised first. The
standardisation here is what a user would write: lower case, trim, and splitting an unsplit
`full_name` (an all-capitals first word is the family name, else the last word is). With
--translit every name is also passed through Unidecode first (the "pre-transliterated" variant).
"""

from __future__ import annotations

import argparse
import re
import sys
import time

import duckdb
import pandas as pd

import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

NAME_COLUMNS = ["given_name", "patronymic", "family_name", "father_name", "mother_name"]


def log(message: str) -> None:
    print(f"[splink] {message}", file=sys.stderr, flush=True)


def split_full_name(full: str) -> tuple[str, str, str]:
    words = full.split()
    if not words:
        return "", "", ""
    if len(words) == 1:
        return "", "", words[0]
    first = words[0]
    if first.isupper() and sum(ch.isalpha() for ch in first) > 1:
        return words[1], " ".join(words[2:]), first
    return words[0], " ".join(words[1:-1]), words[-1]


def load(path: str, translit: bool) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in [
        "full_name", "given_name", "patronymic", "family_name", "sex", "birth_date",
        "birth_place", "nationality", "father_name", "mother_name", "service_number",
    ]:
        if column not in df.columns:
            df[column] = ""
    unsplit = (df["full_name"] != "") & (df["given_name"] == "") & (df["family_name"] == "")
    if unsplit.any():
        parts = df.loc[unsplit, "full_name"].map(split_full_name)
        df.loc[unsplit, "given_name"] = parts.map(lambda p: p[0])
        df.loc[unsplit, "patronymic"] = parts.map(lambda p: p[1])
        df.loc[unsplit, "family_name"] = parts.map(lambda p: p[2])
    if translit:
        from unidecode import unidecode

        for column in NAME_COLUMNS + ["birth_place"]:
            df[column] = df[column].map(unidecode)
    for column in NAME_COLUMNS + ["birth_place"]:
        df[column] = df[column].str.lower().str.strip()
    df["service_number"] = df["service_number"].map(lambda s: re.sub(r"[\s\-]", "", s).upper())
    df["dob"] = df["birth_date"].where(df["birth_date"].str.len() == 10, "")
    df["dob_year"] = df["birth_date"].str[:4]
    df["given_family"] = df["given_name"] + " " + df["family_name"]
    df = df.rename(columns={"id": "unique_id"})
    keep = [
        "unique_id", "given_name", "patronymic", "family_name", "sex", "dob", "dob_year",
        "birth_place", "nationality", "father_name", "mother_name", "service_number",
        "given_family",
    ]
    febrl = [c for c in ["date_of_birth_raw", "street_number", "address_1", "address_2",
                         "suburb", "postcode", "state"] if c in df.columns]
    df = df[keep + febrl].replace("", None)
    return df


def is_febrl(df: pd.DataFrame) -> bool:
    return "postcode" in df.columns and "date_of_birth_raw" in df.columns


def settings(link_type: str, febrl: bool) -> SettingsCreator:
    if febrl:
        return SettingsCreator(
            link_type=link_type,
            comparisons=[
                cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
                cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
                cl.DateOfBirthComparison(
                    "date_of_birth_raw", input_is_string=True, datetime_format="%Y%m%d"
                ),
                cl.DamerauLevenshteinAtThresholds("service_number", [1, 2]),
                cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
                cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                    term_frequency_adjustments=True
                ),
                cl.ExactMatch("suburb").configure(term_frequency_adjustments=True),
                cl.ExactMatch("state").configure(term_frequency_adjustments=True),
            ],
            blocking_rules_to_generate_predictions=[
                block_on("given_name", "family_name"),
                block_on("family_name", "date_of_birth_raw"),
                "l.given_name = r.family_name and l.family_name = r.given_name",
                block_on("date_of_birth_raw"),
                block_on("service_number"),
                block_on("postcode", "street_number"),
                block_on("suburb", "address_1"),
            ],
            retain_intermediate_calculation_columns=False,
        )
    return SettingsCreator(
        link_type=link_type,
        comparisons=[
            cl.ForenameSurnameComparison(
                "given_name", "family_name", forename_surname_concat_col_name="given_family"
            ),
            cl.NameComparison("patronymic"),
            cl.DateOfBirthComparison("dob", input_is_string=True, datetime_format="%Y-%m-%d"),
            cl.ExactMatch("dob_year"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("nationality"),
            cl.ExactMatch("birth_place"),
            cl.ExactMatch("father_name"),
            cl.ExactMatch("mother_name"),
            cl.ExactMatch("service_number"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("dob"),
            block_on("family_name", "dob_year"),
            block_on("given_name", "family_name"),
            block_on("given_name", "patronymic"),
            block_on("service_number"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def train(linker: Linker, febrl: bool, records: int) -> None:
    # Splink 5 samples records for EM (1% by default); small sets are used whole.
    sample = min(1.0, 100_000 / max(records, 1))
    if febrl:
        linker.training.estimate_probability_two_random_records_match(
            [block_on("given_name", "family_name", "date_of_birth_raw")], recall=0.6
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("date_of_birth_raw"), record_sample_proportion=sample
        )
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("family_name"), record_sample_proportion=sample
        )
        return
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "dob")], recall=0.5
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob"), record_sample_proportion=sample
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("family_name", "given_name"), record_sample_proportion=sample
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    link = sub.add_parser("link")
    link.add_argument("left")
    link.add_argument("right")
    dedupe = sub.add_parser("dedupe")
    dedupe.add_argument("records")
    for p in (link, dedupe):
        p.add_argument("-o", "--output", required=True)
        p.add_argument("--threshold", type=float, default=0.5)
        p.add_argument("--translit", action="store_true", help="Unidecode names first")
    link.add_argument("--top", type=int, default=0, help="also keep the best K per right record")
    args = parser.parse_args()

    started = time.perf_counter()
    con = duckdb.connect()
    db_api = DuckDBAPI(connection=con)
    if args.command == "link":
        left = load(args.left, args.translit)
        right = load(args.right, args.translit)
        febrl = is_febrl(left)
        tables = [
            db_api.register(left, dataset_display_name="left_list"),
            db_api.register(right, dataset_display_name="right_list"),
        ]
        linker = Linker(tables, settings("link_only", febrl), log_level="WARNING")
        records_count = len(left) + len(right)
    else:
        records = load(args.records, args.translit)
        febrl = is_febrl(records)
        linker = Linker(
            db_api.register(records, dataset_display_name="records"),
            settings("dedupe_only", febrl),
            log_level="WARNING",
        )
        records_count = len(records)
    loaded = time.perf_counter()
    train(linker, febrl, records_count)
    trained = time.perf_counter()
    out = args.output.replace("'", "''")
    if args.command == "link":
        floor = 0.0 if args.top else args.threshold
        predictions = linker.inference.predict(threshold_match_probability=floor or None)
        table = predictions.physical_name
        # Orient every pair as (left, right) and keep what the contract asks for.
        con.execute(
            f"""
            COPY (
              WITH oriented AS (
                SELECT
                  CASE WHEN source_dataset_l = 'left_list' THEN unique_id_l ELSE unique_id_r END AS left_id,
                  CASE WHEN source_dataset_l = 'left_list' THEN unique_id_r ELSE unique_id_l END AS right_id,
                  match_probability AS score
                FROM {table}
              ),
              ranked AS (
                SELECT *, row_number() OVER (PARTITION BY right_id ORDER BY score DESC, left_id) AS rank
                FROM oriented
              )
              SELECT left_id, right_id, round(score, 6) AS score FROM ranked
              WHERE score >= {args.threshold} OR rank <= {args.top}
              ORDER BY right_id, score DESC
            ) TO '{out}' (HEADER, DELIMITER ',')
            """
        )
        count = con.execute(f"SELECT count(*) FROM read_csv_auto('{out}')").fetchone()[0]
    else:
        predictions = linker.inference.predict(threshold_match_probability=args.threshold)
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, args.threshold
        )
        con.execute(
            f"""COPY (SELECT unique_id AS id, cluster_id FROM {clusters.physical_name})
                TO '{out}' (HEADER, DELIMITER ',')"""
        )
        count = con.execute(f"SELECT count(*) FROM read_csv_auto('{out}')").fetchone()[0]
    done = time.perf_counter()
    log(
        f"{args.command}: load {loaded - started:.1f} s, train {trained - loaded:.1f} s, "
        f"predict {done - trained:.1f} s, {count} rows -> {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
