//! Read TAB-separated pairs of given names on standard input and print those that do not
//! share a given-name class (a review aid for data/given_names.tsv).
use std::io::BufRead;

fn groups(t: &str) -> Vec<u32> {
    whereabouts_names::keys(t, None)
        .iter()
        .flat_map(|k| whereabouts_names::given_name_groups(k).iter().copied())
        .collect()
}

fn main() {
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        if let Some((a, b)) = line.split_once('\t') {
            let (ga, gb) = (groups(a), groups(b));
            if !ga.iter().any(|g| gb.contains(g)) {
                println!("{a}\t{b}\t{ga:?}\t{gb:?}");
            }
        }
    }
}
