//! Read one name per line and print the pairs of different names that share a key other than
//! the skeleton, after surname_stem (a review aid for false agreements).
use std::io::BufRead;

fn main() {
    let names: Vec<String> = std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .filter(|l| !l.trim().is_empty())
        .collect();
    let fine: Vec<Vec<String>> = names
        .iter()
        .map(|n| {
            let k = whereabouts_names::keys(n, None);
            k[..k.len().saturating_sub(1)]
                .iter()
                .map(|x| whereabouts_names::surname_stem(x))
                .collect()
        })
        .collect();
    let mut pairs = 0;
    let mut shared = 0;
    for i in 0..names.len() {
        for j in i + 1..names.len() {
            pairs += 1;
            if fine[i].iter().any(|k| fine[j].contains(k)) {
                shared += 1;
                println!("{} / {}: {:?} {:?}", names[i], names[j], fine[i], fine[j]);
            }
        }
    }
    println!("{shared} of {pairs} pairs of different names share a stem key");
}
