//! Read TAB-separated pairs of spellings on standard input and print those that share no key
//! (`keys`) or only the skeleton (a review aid).
use std::io::BufRead;

fn main() {
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        if let Some((a, b)) = line.split_once('\t') {
            let (ka, kb) = (
                whereabouts_names::keys(a, None),
                whereabouts_names::keys(b, None),
            );
            let fine = ka[..ka.len().saturating_sub(1)]
                .iter()
                .any(|k| kb[..kb.len().saturating_sub(1)].contains(k));
            let any = ka.iter().any(|k| kb.contains(k));
            if !fine {
                println!(
                    "{}\t{a}\t{b}\t{ka:?}\t{kb:?}",
                    if any { "skeleton-only" } else { "NONE" }
                );
            }
        }
    }
}
