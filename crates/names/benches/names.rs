//! Throughput of the per-token functions that the matching engine calls for every record.
//!
//! Run: `cargo bench -p whereabouts-names`. Reports time per call over a fixed mix of tokens
//! in five scripts; tokens/s = 1 / (time per token).
#![forbid(unsafe_code)]

use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

/// A fixed, fictional mix: Latin spellings, Cyrillic, Arabic, Armenian, Georgian.
const TOKENS: &[&str] = &[
    "Oleksandr",
    "Kovalenko",
    "Олександр",
    "Коваленко",
    "Александр",
    "Петрович",
    "Mohammed",
    "Abdulrahman",
    "محمد",
    "عبدالرحمن",
    "الرشيد",
    "Petrosyan",
    "Bedrosian",
    "Պետրոսյան",
    "Գրիգորյան",
    "Hovhannisyan",
    "გიორგი",
    "ბერიძე",
    "Məmmədov",
    "Гусейнов",
    "Shevchenko",
    "Ivanova",
    "Yurii",
    "Serhiy",
    "Hussein",
    "حسين",
    "Ghulam",
    "غلام",
    "Zghurskyi",
    "Згурський",
    "Щербаков",
    "Ahmadzai",
];

#[divan::bench]
fn normalize(b: Bencher<'_, '_>) {
    b.counter(divan::counter::ItemsCount::new(TOKENS.len()))
        .bench(|| {
            for t in TOKENS {
                black_box(whereabouts_names::normalize(black_box(t)));
            }
        });
}

#[divan::bench]
fn romanize(b: Bencher<'_, '_>) {
    b.counter(divan::counter::ItemsCount::new(TOKENS.len()))
        .bench(|| {
            for t in TOKENS {
                black_box(whereabouts_names::romanize(black_box(t), None));
            }
        });
}

#[divan::bench]
fn keys(b: Bencher<'_, '_>) {
    b.counter(divan::counter::ItemsCount::new(TOKENS.len()))
        .bench(|| {
            for t in TOKENS {
                black_box(whereabouts_names::keys(black_box(t), None));
            }
        });
}

#[divan::bench]
fn key_latin(b: Bencher<'_, '_>) {
    let latin: Vec<&str> = TOKENS.iter().copied().filter(|t| t.is_ascii()).collect();
    b.counter(divan::counter::ItemsCount::new(latin.len()))
        .bench(|| {
            for t in &latin {
                black_box(whereabouts_names::key(black_box(t)));
            }
        });
}

#[divan::bench]
fn parse_full_name(b: Bencher<'_, '_>) {
    let names = [
        "КОВАЛЕНКО Александр Петрович",
        "Mohammed bin Abdulrahman al-Sayed",
        "Ahmad Shah son of Gul Mohammad",
        "Alexander Kovalenko, 34",
    ];
    b.counter(divan::counter::ItemsCount::new(names.len()))
        .bench(|| {
            for n in names {
                black_box(whereabouts_names::parse_full_name(black_box(n)));
            }
        });
}

fn by_script(b: Bencher<'_, '_>, script: whereabouts_names::Script) {
    let tokens: Vec<&str> = TOKENS
        .iter()
        .copied()
        .filter(|t| whereabouts_names::detect_script(t) == Some(script))
        .collect();
    b.counter(divan::counter::ItemsCount::new(tokens.len()))
        .bench(|| {
            for t in &tokens {
                black_box(whereabouts_names::keys(black_box(t), None));
            }
        });
}

#[divan::bench]
fn keys_latin(b: Bencher<'_, '_>) {
    by_script(b, whereabouts_names::Script::Latin);
}

#[divan::bench]
fn keys_cyrillic(b: Bencher<'_, '_>) {
    by_script(b, whereabouts_names::Script::Cyrillic);
}

#[divan::bench]
fn keys_arabic(b: Bencher<'_, '_>) {
    by_script(b, whereabouts_names::Script::Arabic);
}
