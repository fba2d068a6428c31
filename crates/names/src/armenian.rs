//! Armenian romanisation: Eastern (BGN/PCGN 1981) and Western (diaspora practice after
//! Hübschmann-Meillet values, with the Western consonant shifts).

use crate::translit::at_word_start;

/// Transliterate lower-cased Armenian letters; anything else passes through.
pub(crate) fn translit(chars: &[char], western: bool, out: &mut String) {
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = at_word_start(chars, i);
        // ու is one vowel, u.
        if c == 'ո' && chars.get(i + 1) == Some(&'ւ') {
            out.push('u');
            i += 2;
            continue;
        }
        let s: &str = match c {
            'ա' => "a",
            'բ' => {
                if western {
                    "p"
                } else {
                    "b"
                }
            }
            'գ' => {
                if western {
                    "k"
                } else {
                    "g"
                }
            }
            'դ' => {
                if western {
                    "t"
                } else {
                    "d"
                }
            }
            'ե' => {
                if start {
                    "ye"
                } else {
                    "e"
                }
            }
            'զ' => "z",
            'է' => "e",
            'ը' => {
                if western {
                    "u"
                } else {
                    "y"
                }
            }
            'թ' => {
                if western {
                    "t"
                } else {
                    "t'"
                }
            }
            'ժ' => "zh",
            'ի' => "i",
            'լ' => "l",
            'խ' => "kh",
            'ծ' => {
                if western {
                    "dz"
                } else {
                    "ts"
                }
            }
            'կ' => {
                if western {
                    "g"
                } else {
                    "k"
                }
            }
            'հ' => "h",
            'ձ' => {
                if western {
                    "ts"
                } else {
                    "dz"
                }
            }
            'ղ' => "gh",
            'ճ' => {
                if western {
                    "j"
                } else {
                    "ch"
                }
            }
            'մ' => "m",
            'յ' => {
                if western && start {
                    "h"
                } else {
                    "y"
                }
            }
            'ն' => "n",
            'շ' => "sh",
            'ո' => {
                if start {
                    "vo"
                } else {
                    "o"
                }
            }
            'չ' => {
                if western {
                    "ch"
                } else {
                    "ch'"
                }
            }
            'պ' => {
                if western {
                    "b"
                } else {
                    "p"
                }
            }
            'ջ' => {
                if western {
                    "ch"
                } else {
                    "j"
                }
            }
            'ռ' => "r",
            'ս' => "s",
            'վ' => "v",
            'տ' => {
                if western {
                    "d"
                } else {
                    "t"
                }
            }
            'ր' => "r",
            'ց' => {
                if western {
                    "ts"
                } else {
                    "ts'"
                }
            }
            'ւ' => "v",
            'փ' => {
                if western {
                    "p"
                } else {
                    "p'"
                }
            }
            'ք' => {
                if western {
                    "k"
                } else {
                    "k'"
                }
            }
            'և' => {
                if start {
                    "yev"
                } else {
                    "ev"
                }
            }
            'օ' => "o",
            'ֆ' => "f",
            _ => {
                out.push(c);
                i += 1;
                continue;
            }
        };
        out.push_str(s);
        i += 1;
    }
}
