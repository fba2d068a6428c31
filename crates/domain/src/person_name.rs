//! Names as typed parts (NAME-GEN-1/2). Each part keeps the script it was written in and its
//! language; transliterations are derived and recorded with their scheme, never a replacement
//! (DESIGN principle 8).

use std::fmt;
use std::str::FromStr;

/// An ISO 15924 script code such as `Cyrl`, `Latn`, `Arab`, `Armn`, `Geor`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Script([u8; 4]);

impl Script {
    pub const LATIN: Script = Script(*b"Latn");
    pub const CYRILLIC: Script = Script(*b"Cyrl");
    pub const ARABIC: Script = Script(*b"Arab");
    pub const ARMENIAN: Script = Script(*b"Armn");
    pub const GEORGIAN: Script = Script(*b"Geor");
    /// ISO 15924 "Zyyy": common characters only (digits, punctuation).
    pub const COMMON: Script = Script(*b"Zyyy");
    /// ISO 15924 "Zzzz": a script this code does not recognise.
    pub const UNKNOWN: Script = Script(*b"Zzzz");

    /// The script a piece of text is written in: the script of most of its letters, ignoring
    /// digits, spaces and punctuation.
    #[must_use]
    pub fn detect(text: &str) -> Script {
        let mut counts = [0usize; 6];
        for c in text.chars() {
            let slot = match c as u32 {
                0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF | 0x2BB..=0x2BC => 0,
                0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => 1,
                0x600..=0x6FF
                | 0x750..=0x77F
                | 0x8A0..=0x8FF
                | 0xFB50..=0xFDFF
                | 0xFE70..=0xFEFF => 2,
                0x531..=0x58F | 0xFB13..=0xFB17 => 3,
                0x10A0..=0x10FF | 0x1C90..=0x1CBF | 0x2D00..=0x2D2F => 4,
                _ if c.is_alphabetic() => 5,
                _ => continue,
            };
            counts[slot] += 1;
        }
        let Some((best, count)) = counts.iter().enumerate().max_by_key(|(_, count)| **count) else {
            return Self::COMMON;
        };
        if *count == 0 {
            return Self::COMMON;
        }
        [
            Self::LATIN,
            Self::CYRILLIC,
            Self::ARABIC,
            Self::ARMENIAN,
            Self::GEORGIAN,
            Self::UNKNOWN,
        ][best]
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        // The constructor admits ASCII letters only, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("Zzzz")
    }
}

impl FromStr for Script {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.as_bytes();
        let shaped = bytes.len() == 4
            && bytes[0].is_ascii_uppercase()
            && bytes[1..].iter().all(u8::is_ascii_lowercase);
        if !shaped {
            return Err(format!(
                "script {s:?} is not an ISO 15924 code such as Latn, Cyrl or Arab"
            ));
        }
        Ok(Self([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }
}

impl fmt::Display for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Script({})", self.as_str())
    }
}

/// A BCP 47 language tag, checked for shape (`uk`, `ru`, `ar`, `fa-AF`, `ps`, `hy`, `az-Latn`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LanguageTag(String);

impl LanguageTag {
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for LanguageTag {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut subtags = s.split('-');
        let primary = subtags.next().unwrap_or_default();
        let primary_ok =
            (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase());
        let rest_ok = subtags.all(|tag| {
            (1..=8).contains(&tag.len()) && tag.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        if !primary_ok || !rest_ok {
            return Err(format!(
                "language {s:?} is not a BCP 47 tag such as uk, ru, ar, fa-AF or az-Latn"
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LanguageTag({})", self.0)
    }
}

/// NAME-GEN-2: the typed parts of a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NamePartKind {
    Given,
    /// East Slavic patronymic (Петрович), or the father's name in an Arabic or Afghan chain.
    Patronymic,
    /// The grandfather's name in an Arabic or Afghan chain (NAME-AF-1).
    Grandfather,
    Family,
    /// Tribe or clan (NAME-AF-1).
    Tribe,
    /// Nicknames, laqab, nisba and anything else.
    Other,
    /// The whole name as written, when the source did not split it into parts.
    Unsplit,
}

impl NamePartKind {
    pub const ALL: [NamePartKind; 7] = [
        Self::Given,
        Self::Patronymic,
        Self::Grandfather,
        Self::Family,
        Self::Tribe,
        Self::Other,
        Self::Unsplit,
    ];

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Given => "given",
            Self::Patronymic => "patronymic",
            Self::Grandfather => "grandfather",
            Self::Family => "family",
            Self::Tribe => "tribe",
            Self::Other => "other",
            Self::Unsplit => "unsplit",
        }
    }
}

impl FromStr for NamePartKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.code() == s)
            .ok_or_else(|| format!("unknown name part {s:?}"))
    }
}

/// A transliteration of a name part, with the scheme that produced it (XC-6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transliteration {
    pub value: String,
    /// For example `uk-national-2010`, `ru-icao-9303`, `ar-bgn-pcgn`.
    pub scheme: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamePart {
    pub kind: NamePartKind,
    /// As written, in the original script. Never rewritten.
    value: String,
    pub script: Script,
    pub language: Option<LanguageTag>,
    pub transliterations: Vec<Transliteration>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("name part is empty")]
    Empty,
    #[error("name part is {0} characters long; at most 200 are accepted")]
    TooLong(usize),
    #[error("name part contains a control character (U+{0:04X})")]
    ControlCharacter(u32),
    #[error("a name needs at least one part")]
    NoParts,
}

impl NamePart {
    /// A part as written. Surrounding white space is trimmed and inner runs of white space become
    /// one space; the letters themselves are kept exactly.
    ///
    /// # Errors
    /// When the part is empty, longer than 200 characters, or holds a control character.
    pub fn new(
        kind: NamePartKind,
        value: &str,
        language: Option<LanguageTag>,
    ) -> Result<Self, NameError> {
        let collapsed = value.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(NameError::Empty);
        }
        let length = collapsed.chars().count();
        if length > 200 {
            return Err(NameError::TooLong(length));
        }
        if let Some(control) = collapsed.chars().find(|c| c.is_control()) {
            return Err(NameError::ControlCharacter(control as u32));
        }
        let script = Script::detect(&collapsed);
        Ok(Self {
            kind,
            value: collapsed,
            script,
            language,
            transliterations: Vec::new(),
        })
    }

    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// A whole name: the parts in the order they were written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonName {
    parts: Vec<NamePart>,
}

impl PersonName {
    /// # Errors
    /// A name needs at least one part.
    pub fn new(parts: Vec<NamePart>) -> Result<Self, NameError> {
        if parts.is_empty() {
            return Err(NameError::NoParts);
        }
        Ok(Self { parts })
    }

    #[must_use]
    pub fn parts(&self) -> &[NamePart] {
        &self.parts
    }

    /// The first part of a kind, for example the family name.
    #[must_use]
    pub fn part(&self, kind: NamePartKind) -> Option<&NamePart> {
        self.parts.iter().find(|part| part.kind == kind)
    }

    /// The script of the name's parts taken together.
    #[must_use]
    pub fn script(&self) -> Script {
        Script::detect(&self.display())
    }

    /// The parts as written, joined by spaces in their written order.
    #[must_use]
    pub fn display(&self) -> String {
        self.parts
            .iter()
            .map(NamePart::value)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_gen_1_script_detection() {
        assert_eq!(Script::detect("Олександр"), Script::CYRILLIC);
        assert_eq!(Script::detect("КОВАЛЕНКО Александр"), Script::CYRILLIC);
        assert_eq!(Script::detect("محمد عبد الرحمن"), Script::ARABIC);
        assert_eq!(Script::detect("Պետրոսյան"), Script::ARMENIAN);
        assert_eq!(Script::detect("გიორგი"), Script::GEORGIAN);
        assert_eq!(Script::detect("Məmmədov"), Script::LATIN);
        assert_eq!(Script::detect("ʿAbd al-Rahman"), Script::LATIN);
        assert_eq!(Script::detect("12-34"), Script::COMMON);
        assert_eq!(Script::detect("山田"), Script::UNKNOWN);
    }

    #[test]
    fn name_gen_1_parts_keep_original_text() {
        let part = NamePart::new(NamePartKind::Family, "  КОВАЛЕНКО \t ", None).unwrap();
        assert_eq!(part.value(), "КОВАЛЕНКО");
        assert_eq!(part.script, Script::CYRILLIC);
        assert_eq!(
            NamePart::new(NamePartKind::Given, "   ", None),
            Err(NameError::Empty)
        );
        assert!(matches!(
            NamePart::new(NamePartKind::Given, "a\u{7}b", None),
            Err(NameError::ControlCharacter(7))
        ));
        assert!(PersonName::new(Vec::new()).is_err());
    }

    #[test]
    fn script_and_language_codes() {
        assert_eq!("Cyrl".parse::<Script>().unwrap(), Script::CYRILLIC);
        assert!("cyrl".parse::<Script>().is_err());
        assert!("fa-AF".parse::<LanguageTag>().is_ok());
        assert!("az-Latn".parse::<LanguageTag>().is_ok());
        assert!("Ukrainian".parse::<LanguageTag>().is_err());
        assert!("".parse::<LanguageTag>().is_err());
    }
}
