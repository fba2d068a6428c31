//! Print romanisations, keys and parses of names given on the command line.
fn main() {
    for a in std::env::args().skip(1) {
        if a.contains(' ') || a.contains(',') {
            println!("{a}: {:?}", whereabouts_names::parse_full_name(&a));
        }
        for t in whereabouts_names::tokens(&a) {
            let ks = whereabouts_names::keys(&t, None);
            let g = ks
                .first()
                .and_then(|k| whereabouts_names::given_name_group(k))
                .and_then(whereabouts_names::given_name_label);
            println!(
                "  {t}: {:?} keys {:?} group {:?} stem {:?}",
                whereabouts_names::romanize(&t, None),
                ks,
                g,
                ks.first().map(|k| whereabouts_names::surname_stem(k))
            );
        }
    }
}
