//! Values to and from their stored text. The store is an edge, so it knows JSON; the domain
//! does not. The JSON shapes are stable: exports and later migrations read them.

use domain::{
    AbsenceReason, AssertedValue, NamePart, NamePartKind, PartialDate, PersonName, Presence,
    Transliteration,
};
use serde_json::Value;

use crate::error::StoreError;

/// Encodes a value as `(value_json, absence_code)`; exactly one is `Some`.
pub(crate) fn encode(value: &Presence<AssertedValue>) -> (Option<String>, Option<&'static str>) {
    match value {
        Presence::Absent(reason) => (None, Some(reason.code())),
        Presence::Present(value) => (Some(encode_value(value)), None),
    }
}

/// Writes the JSON by hand: the import encodes about ten values per person, and building a
/// `serde_json::Value` tree first cost an allocation per key (measured on the import path).
/// The shapes are exactly those `decode` reads; keys come in sorted order.
fn encode_value(value: &AssertedValue) -> String {
    let mut out = String::with_capacity(64);
    encode_value_into(value, &mut out);
    out
}

/// As `encode_value`, appending to `out`: the import reuses one buffer for every value.
pub(crate) fn encode_value_into(value: &AssertedValue, out: &mut String) {
    match value {
        AssertedValue::Name(name) => {
            out.push_str("{\"parts\":[");
            for (i, part) in name.parts().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"kind\":");
                push_str(out, part.kind.code());
                out.push_str(",\"language\":");
                match &part.language {
                    Some(tag) => push_str(out, tag.as_str()),
                    None => out.push_str("null"),
                }
                out.push_str(",\"script\":");
                push_str(out, part.script.as_str());
                out.push_str(",\"translit\":[");
                for (j, t) in part.transliterations.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    out.push_str("{\"scheme\":");
                    push_str(out, &t.scheme);
                    out.push_str(",\"value\":");
                    push_str(out, &t.value);
                    out.push('}');
                }
                out.push_str("],\"value\":");
                push_str(out, part.value());
                out.push('}');
            }
            out.push_str("]}");
        }
        AssertedValue::Sex(sex) => {
            out.push_str("{\"sex\":");
            push_str(out, sex.code());
            out.push('}');
        }
        AssertedValue::Date(date) => {
            out.push_str("{\"date\":");
            push_str(out, &date.canonical());
            out.push_str(",\"original\":");
            push_str(out, date.original());
            out.push('}');
        }
        AssertedValue::Country(code) => {
            out.push_str("{\"country\":");
            push_str(out, code);
            out.push('}');
        }
        AssertedValue::Text(text) => {
            out.push_str("{\"text\":");
            push_str(out, text);
            out.push('}');
        }
    }
}

/// A JSON string literal (RFC 8259 §7): quotes, backslashes and control characters escaped.
/// Runs of bytes that need no escape are copied at once (most names need none).
fn push_str(out: &mut String, text: &str) {
    use std::fmt::Write as _;
    out.push('"');
    let mut plain = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..0x20 => "",
            _ => continue,
        };
        // `at` is an ASCII byte: a character boundary.
        out.push_str(&text[plain..at]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escape);
        }
        plain = at + 1;
    }
    out.push_str(&text[plain..]);
    out.push('"');
}

pub(crate) fn decode(
    value: Option<&str>,
    absence: Option<&str>,
) -> Result<Presence<AssertedValue>, StoreError> {
    match (value, absence) {
        (None, Some(code)) => code
            .parse::<AbsenceReason>()
            .map(Presence::Absent)
            .map_err(|e| StoreError::Corrupt(e.to_string())),
        (Some(text), None) => {
            let json: Value =
                serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            decode_value(&json).map(Presence::Present)
        }
        _ => Err(StoreError::Corrupt(
            "an assertion must hold a value or an absence reason".into(),
        )),
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("stored value has a bad {what}"))
}

fn decode_value(json: &Value) -> Result<AssertedValue, StoreError> {
    if let Some(parts) = json.get("parts").and_then(Value::as_array) {
        let mut decoded = Vec::with_capacity(parts.len());
        for part in parts {
            let kind: NamePartKind = part["kind"]
                .as_str()
                .and_then(|k| k.parse().ok())
                .ok_or_else(|| corrupt("name part kind"))?;
            let value = part["value"].as_str().ok_or_else(|| corrupt("name part"))?;
            let language = match part["language"].as_str() {
                Some(tag) => Some(tag.parse().map_err(|_| corrupt("language"))?),
                None => None,
            };
            let mut name_part =
                NamePart::new(kind, value, language).map_err(|_| corrupt("name part"))?;
            if let Some(translits) = part["translit"].as_array() {
                for t in translits {
                    name_part.transliterations.push(Transliteration {
                        value: t["value"]
                            .as_str()
                            .ok_or_else(|| corrupt("transliteration"))?
                            .to_owned(),
                        scheme: t["scheme"]
                            .as_str()
                            .ok_or_else(|| corrupt("scheme"))?
                            .to_owned(),
                    });
                }
            }
            decoded.push(name_part);
        }
        return PersonName::new(decoded)
            .map(AssertedValue::Name)
            .map_err(|_| corrupt("name"));
    }
    if let Some(sex) = json.get("sex").and_then(Value::as_str) {
        return sex
            .parse()
            .map(AssertedValue::Sex)
            .map_err(|_| corrupt("sex"));
    }
    if let Some(original) = json.get("original").and_then(Value::as_str) {
        let canonical = json["date"].as_str().ok_or_else(|| corrupt("date"))?;
        let parsed = PartialDate::parse(canonical).map_err(|_| corrupt("date"))?;
        return Ok(AssertedValue::Date(PartialDate::from_kind(
            parsed.kind(),
            original,
        )));
    }
    if let Some(code) = json.get("country").and_then(Value::as_str) {
        return Ok(AssertedValue::Country(code.to_owned()));
    }
    if let Some(text) = json.get("text").and_then(Value::as_str) {
        return Ok(AssertedValue::Text(text.to_owned()));
    }
    Err(corrupt("value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let mut given = NamePart::new(
            NamePartKind::Given,
            "Олександр",
            Some("uk".parse().unwrap()),
        )
        .unwrap();
        given.transliterations.push(Transliteration {
            value: "Oleksandr".into(),
            scheme: "uk-national-2010".into(),
        });
        let family = NamePart::new(NamePartKind::Family, "Коваленко", None).unwrap();
        let values = [
            Presence::Present(AssertedValue::Name(
                PersonName::new(vec![given, family]).unwrap(),
            )),
            Presence::Present(AssertedValue::Sex(domain::Sex::Male)),
            Presence::Present(AssertedValue::Date(PartialDate::parse(" ~1985").unwrap())),
            Presence::Present(AssertedValue::Country("XA".into())),
            Presence::Present(AssertedValue::Text("محمد".into())),
            Presence::Absent(AbsenceReason::DeclinedByPerson),
        ];
        for value in values {
            let (json, absence) = encode(&value);
            assert_eq!(decode(json.as_deref(), absence).unwrap(), value);
        }
        assert!(decode(None, None).is_err());
        // The hand-written JSON is valid JSON, whatever the text holds.
        for tricky in [
            "a\"b",
            "back\\slash",
            "line\nbreak",
            "tab\tand\u{1}",
            "Коваленко",
            "محمد",
            "Кова\"лен\u{1f}ко\r",
            "\\",
            "",
        ] {
            let value = Presence::Present(AssertedValue::Text(tricky.into()));
            let (json, _) = encode(&value);
            let parsed: Value = serde_json::from_str(json.as_deref().unwrap()).unwrap();
            assert_eq!(parsed["text"], tricky);
            assert_eq!(decode(json.as_deref(), None).unwrap(), value);
        }
        assert!(decode(Some("{}"), None).is_err());
    }
}
