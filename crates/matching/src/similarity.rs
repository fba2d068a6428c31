//! Jaro–Winkler similarity without allocation, and an upper bound from the lengths alone.
//!
//! The definition is Jaro's (1989) with Winkler's prefix boost (1990) as implemented by the
//! `strsim` crate, which this returns exactly (a test checks it): matches within half the
//! longer length less one, half the out-of-order matches count as transpositions, and when
//! the Jaro similarity exceeds 0.7 a common prefix of up to four characters adds
//! `0.1 × prefix × (1 − jaro)`. The profile of a 10k dedupe had 45% of its instructions in
//! `strsim::jaro_winkler` and another 15% in the allocator behind its per-call flag vector;
//! here the flags live on the stack and most pairs never get that far, because
//! [`upper_bound`] shows from the lengths alone that they cannot reach the level asked for.

/// Longest input compared; longer tokens are cut (names are cut at 64 characters anyway).
const MAX: usize = 64;

/// The highest Jaro–Winkler similarity two strings of these lengths (in characters) can have.
pub(crate) fn upper_bound(a_len: usize, b_len: usize) -> f64 {
    if a_len == 0 || b_len == 0 {
        return if a_len == b_len { 1.0 } else { 0.0 };
    }
    let common = a_len.min(b_len) as f64;
    let jaro = (common / a_len as f64 + common / b_len as f64 + 1.0) / 3.0;
    if jaro > 0.7 {
        jaro + 0.4 * (1.0 - jaro)
    } else {
        jaro
    }
}

/// The characters of a string as a 64-bit set (each character's code modulo 64), for
/// [`upper_bound_masked`].
pub(crate) fn char_mask(text: &str) -> u64 {
    text.chars()
        .take(MAX)
        .fold(0u64, |mask, c| mask | 1u64 << (u32::from(c) % 64))
}

/// A tighter bound than [`upper_bound`] from the lengths and the character sets
/// ([`char_mask`]): every distinct character of one string that the other lacks leaves at
/// least one of its positions unmatched, so the Jaro matches are at most the length less the
/// number of such characters (a shared bit from two different characters only loosens it).
#[inline]
pub(crate) fn upper_bound_masked(a_len: usize, b_len: usize, a_mask: u64, b_mask: u64) -> f64 {
    if a_len == 0 || b_len == 0 {
        return upper_bound(a_len, b_len);
    }
    let a_only = (a_mask & !b_mask).count_ones() as usize;
    let b_only = (b_mask & !a_mask).count_ones() as usize;
    let matches = a_len
        .min(MAX)
        .saturating_sub(a_only)
        .min(b_len.min(MAX).saturating_sub(b_only));
    if matches == 0 {
        return 0.0;
    }
    let m = matches as f64;
    let jaro = (m / a_len.min(MAX) as f64 + m / b_len.min(MAX) as f64 + 1.0) / 3.0;
    if jaro > 0.7 {
        jaro + 0.4 * (1.0 - jaro)
    } else {
        jaro
    }
}

/// The two inputs cut at [`MAX`] and the half-width of the Jaro match window; or, when either
/// is empty, the similarity itself.
fn window<'s, T>(a: &'s [T], b: &'s [T]) -> Result<(&'s [T], &'s [T], usize), f64> {
    let (a, b) = (&a[..a.len().min(MAX)], &b[..b.len().min(MAX)]);
    if a.is_empty() && b.is_empty() {
        return Err(1.0);
    }
    if a.is_empty() || b.is_empty() {
        return Err(0.0);
    }
    Ok((a, b, (a.len().max(b.len()) / 2).saturating_sub(1)))
}

/// Jaro's similarity from the matches and the out-of-order matches (half of them count as
/// transpositions), with Winkler's boost for a common prefix of up to four characters.
fn jaro_winkler_from<T: PartialEq>(a: &[T], b: &[T], matches: usize, out_of_order: usize) -> f64 {
    if matches == 0 {
        return 0.0;
    }
    let transpositions = out_of_order / 2;
    let m = matches as f64;
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions as f64) / m) / 3.0;
    if jaro > 0.7 {
        let prefix = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    } else {
        jaro
    }
}

fn jaro_winkler_of<T: PartialEq + Copy>(a: &[T], b: &[T]) -> f64 {
    let (a, b, range) = match window(a, b) {
        Ok(cut) => cut,
        Err(similarity) => return similarity,
    };
    let b_len = b.len();
    let mut a_flags = [false; MAX];
    let mut b_flags = [false; MAX];
    let mut matches = 0usize;
    for (i, &x) in a.iter().enumerate() {
        let low = i.saturating_sub(range);
        let high = b_len.min(i + range + 1);
        for j in low..high {
            if !b_flags[j] && b[j] == x {
                a_flags[i] = true;
                b_flags[j] = true;
                matches += 1;
                break;
            }
        }
    }
    let mut out_of_order = 0usize;
    let mut j = 0usize;
    for (i, &x) in a.iter().enumerate() {
        if !a_flags[i] {
            continue;
        }
        while !b_flags[j] {
            j += 1;
        }
        if b[j] != x {
            out_of_order += 1;
        }
        j += 1;
    }
    jaro_winkler_from(a, b, matches, out_of_order)
}

/// The positions (bits) of `x` among the first `len` bytes of `padded`, compared sixteen at a
/// time without branches (the compiler makes each chunk one vector comparison).
#[inline]
fn positions(padded: &[u8; MAX], len: usize, x: u8) -> u64 {
    let mut mask = 0u64;
    for (c, chunk) in padded.chunks_exact(16).take(len.div_ceil(16)).enumerate() {
        let mut bits = 0u64;
        for (j, &y) in chunk.iter().enumerate() {
            bits |= u64::from(y == x) << j;
        }
        mask |= bits << (16 * c);
    }
    mask
}

/// [`jaro_winkler_of`] for bytes, its matching done on bit sets: for each byte of `a`, the
/// first unmatched equal byte of `b` within the window is the lowest bit of (positions of the
/// byte in `b`) & (window) & !(matched), which is the position the character-by-character
/// scan finds, so the result is the same to the bit (a test checks it). The scan's comparison
/// of every byte in the window was a branch taken at random, and Jaro–Winkler was 14% of a
/// 1M search's samples (perf, synthetic 1M, session 16).
fn jaro_winkler_bytes(a: &[u8], b: &[u8]) -> f64 {
    let (a, b, range) = match window(a, b) {
        Ok(cut) => cut,
        Err(similarity) => return similarity,
    };
    let b_len = b.len();
    let mut padded = [0u8; MAX];
    padded[..b_len].copy_from_slice(b);
    let below = |n: usize| if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
    let mut a_matched = 0u64;
    let mut b_matched = 0u64;
    let mut matches = 0usize;
    for (i, &x) in a.iter().enumerate() {
        let low = i.saturating_sub(range);
        let high = b_len.min(i + range + 1);
        // Empty when the window is (low >= high).
        let free = below(high) & !below(low) & !b_matched;
        if free == 0 {
            continue;
        }
        let found = positions(&padded, b_len, x) & free;
        if found != 0 {
            b_matched |= found & found.wrapping_neg();
            a_matched |= 1u64 << i;
            matches += 1;
        }
    }
    // The k-th matched byte of `a` against the k-th matched byte of `b`.
    let mut out_of_order = 0usize;
    let (mut ia, mut ib) = (a_matched, b_matched);
    while ia != 0 {
        let (i, j) = (ia.trailing_zeros() as usize, ib.trailing_zeros() as usize);
        if a[i] != b[j] {
            out_of_order += 1;
        }
        ia &= ia - 1;
        ib &= ib - 1;
    }
    jaro_winkler_from(a, b, matches, out_of_order)
}

/// Jaro–Winkler similarity of two strings, by characters.
pub(crate) fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() {
        return jaro_winkler_bytes(a.as_bytes(), b.as_bytes());
    }
    let mut ca = ['\0'; MAX];
    let mut cb = ['\0'; MAX];
    let mut na = 0;
    for c in a.chars().take(MAX) {
        ca[na] = c;
        na += 1;
    }
    let mut nb = 0;
    for c in b.chars().take(MAX) {
        cb[nb] = c;
        nb += 1;
    }
    jaro_winkler_of(&ca[..na], &cb[..nb])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert!((jaro_winkler("martha", "marhta") - 0.961).abs() < 0.001);
        assert!((jaro_winkler("dwayne", "duane") - 0.84).abs() < 0.001);
        assert_eq!(jaro_winkler("", ""), 1.0);
        assert_eq!(jaro_winkler("a", ""), 0.0);
        assert!(jaro_winkler("Коваленко", "Коваленко") == 1.0);
    }

    proptest! {
        // The bit-set matching of byte strings against the character-by-character scan, to
        // the bit, for lengths up to and past the cut at 64.
        #[test]
        fn bytes_equal_scan(a in "[a-f ]{0,70}", b in "[a-f ]{0,70}") {
            let bits = jaro_winkler_bytes(a.as_bytes(), b.as_bytes());
            let scan = jaro_winkler_of(a.as_bytes(), b.as_bytes());
            prop_assert_eq!(bits.to_bits(), scan.to_bits(), "{} {}", a, b);
        }

        #[test]
        fn bytes_equal_strsim(a in "[a-h]{0,20}", b in "[a-h]{0,20}") {
            let ours = jaro_winkler(&a, &b);
            let reference = strsim::jaro_winkler(&a, &b);
            prop_assert!((ours - reference).abs() < 1e-12, "{a} {b}: {ours} vs {reference}");
        }

        #[test]
        fn equals_strsim(a in "[a-eа-д]{0,12}", b in "[a-eа-д]{0,12}") {
            let ours = jaro_winkler(&a, &b);
            let reference = strsim::jaro_winkler(&a, &b);
            prop_assert!((ours - reference).abs() < 1e-12, "{a} {b}: {ours} vs {reference}");
            prop_assert!(ours <= upper_bound(a.chars().count(), b.chars().count()) + 1e-12);
            let masked = upper_bound_masked(
                a.chars().count(),
                b.chars().count(),
                char_mask(&a),
                char_mask(&b),
            );
            prop_assert!(ours <= masked + 1e-12, "{a} {b}: {ours} > bound {masked}");
        }
    }
}
