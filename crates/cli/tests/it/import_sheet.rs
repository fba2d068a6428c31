//! `whereabouts import persons LIST.xlsx`: a party's list as a workbook. The workbooks are
//! written here, part by part, as Office Open XML (ECMA-376) with the zip crate, so each test
//! says exactly which cells the sheet holds.

use std::io::Write;

use crate::harness::{Instance, instances, stderr, stdout};

/// A cell as the sheet stores it.
enum Cell<'a> {
    Text(&'a str),
    Number(f64),
    /// An Excel date serial (days since 1899-12-30), with a date format.
    Date(f64),
    /// A formula's error value such as `#N/A`.
    Error(&'a str),
    Blank,
}
use Cell::{Blank, Date, Error, Number, Text};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn letters(mut index: usize) -> String {
    let mut out = Vec::new();
    index += 1;
    while index > 0 {
        out.push(b'A' + ((index - 1) % 26) as u8);
        index = (index - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}

fn sheet_xml(rows: &[Vec<Cell<'_>>]) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in rows.iter().enumerate() {
        if row.is_empty() {
            continue; // an empty row has no element at all, as Excel writes it
        }
        xml.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{}", letters(c), r + 1);
            match cell {
                Text(t) => xml.push_str(&format!(
                    r#"<c r="{at}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                    escape(t)
                )),
                Number(n) => xml.push_str(&format!(r#"<c r="{at}"><v>{n}</v></c>"#)),
                Date(n) => xml.push_str(&format!(r#"<c r="{at}" s="1"><v>{n}</v></c>"#)),
                Error(e) => xml.push_str(&format!(r#"<c r="{at}" t="e"><v>{e}</v></c>"#)),
                Blank => {}
            }
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

/// A workbook with the named sheets, in order.
fn workbook(sheets: &[(&str, Vec<Vec<Cell<'_>>>)]) -> Vec<u8> {
    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
    const DOC: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut types = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#,
    );
    let mut book = format!(r#"<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>"#);
    let mut rels = format!(r#"<Relationships xmlns="{RELS}">"#);
    for (i, (name, _)) in sheets.iter().enumerate() {
        let n = i + 1;
        types.push_str(&format!(r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#));
        book.push_str(&format!(
            r#"<sheet name="{}" sheetId="{n}" r:id="rId{n}"/>"#,
            escape(name)
        ));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="{DOC}/worksheet" Target="worksheets/sheet{n}.xml"/>"#
        ));
    }
    types.push_str("</Types>");
    book.push_str("</sheets></workbook>");
    rels.push_str(&format!(
        r#"<Relationship Id="rId99" Type="{DOC}/styles" Target="styles.xml"/></Relationships>"#
    ));
    // Style 1 is the built-in date format 14 (m/d/yyyy), as Excel gives a typed date.
    let styles = format!(
        r#"<styleSheet xmlns="{MAIN}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#
    );
    let mut parts = vec![
        ("[Content_Types].xml".to_owned(), types),
        (
            "_rels/.rels".to_owned(),
            format!(
                r#"<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        ("xl/workbook.xml".to_owned(), book),
        ("xl/_rels/workbook.xml.rels".to_owned(), rels),
        ("xl/styles.xml".to_owned(), styles),
    ];
    for (i, (_, rows)) in sheets.iter().enumerate() {
        parts.push((format!("xl/worksheets/sheet{}.xml", i + 1), sheet_xml(rows)));
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn header() -> Vec<Cell<'static>> {
    [
        "id",
        "category",
        "given_name",
        "patronymic",
        "family_name",
        "name_language",
        "sex",
        "birth_date",
        "nationality",
        "service_number",
        "captured_at",
    ]
    .into_iter()
    .map(Text)
    .collect()
}

/// Serial dates: 33345 is 1991-04-17, 46327 is 2026-11-01 (1900 date system).
fn persons() -> Vec<Vec<Cell<'static>>> {
    vec![
        header(),
        vec![
            Text("A-1"),
            Text("pow"),
            Text("Олександр"),
            Text("Петрович"),
            Text("Коваленко"),
            Text("uk"),
            Text("M"),
            Date(33345.0),
            Text("XB"),
            Text("AB-123"),
            Date(46327.0),
        ],
        // An empty row between persons, as lists often have.
        vec![],
        // A whole-number id typed as a number, and a row that ends early.
        vec![
            Number(12345.0),
            Text("pow"),
            Text("محمد"),
            Text("عبد الرحمن"),
            Text("الحسن"),
            Text("ar"),
            Text("M"),
            Text("1988"),
        ],
        vec![
            Text("A-3"),
            Text("civilian-internee"),
            Text("Անի"),
            Blank,
            Text("Պետրոսյան"),
            Text("hy"),
            Text("F"),
            Text("age:34@2026-11-01"),
            Text("XB"),
            Text("[not-applicable]"),
            Text("2026-10-20T08:30:00Z"),
        ],
    ]
}

#[test]
fn a_workbook_list_imports_like_its_csv_with_typed_dates_and_numbers() {
    for instance in instances() {
        let notes = vec![vec![Text("Handed over at the crossing (fictional)")]];
        let file = instance.write(
            "list.xlsx",
            &workbook(&[("Notes", notes), ("Persons", persons())]),
        );
        // The first sheet is a note, not a list: refused by its header, nothing imported.
        let out = instance.import("bureau-a", &file, &[]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("unknown column"), "{}", stderr(&out));
        assert_eq!(instance.count("bureau-a"), 0);
        // A sheet that is not there is named, with the sheets that are.
        let out = instance.import("bureau-a", &file, &["--sheet", "Lists"]);
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains(r#"no sheet "Lists"; its sheets: Notes, Persons"#),
            "{}",
            stderr(&out)
        );

        let out = instance.import("bureau-a", &file, &["--sheet", "Persons"]);
        assert!(
            out.status.success(),
            "{}: {}",
            instance.backend(),
            stderr(&out)
        );
        assert!(
            stdout(&out).contains("imported 3 persons"),
            "{}",
            stdout(&out)
        );
        let export = instance.export("bureau-a");
        // Typed dates become dates, a whole number loses Excel's ".0", names keep their script.
        assert!(export.contains("A-1,pow"), "{export}");
        assert!(export.contains("1991-04-17"), "{export}");
        assert!(export.contains("12345,pow"), "{export}");
        assert!(!export.contains("12345.0"), "{export}");
        assert!(export.contains("Коваленко"), "{export}");
        assert!(export.contains("محمد"), "{export}");
        assert!(export.contains("Պետրոսյան"), "{export}");
        assert!(export.contains("age:34@2026-11-01"), "{export}");
        assert!(export.contains("[not-applicable]"), "{export}");
        // The same workbook again: every id is already registered, nothing twice.
        let out = instance.import("bureau-a", &file, &["--sheet", "Persons"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("already registered"),
            "{}",
            stderr(&out)
        );
        assert_eq!(instance.count("bureau-a"), 3);
    }
}

#[test]
fn a_workbook_with_bad_cells_is_refused_whole_naming_row_and_column() {
    let instance = Instance::sqlite();
    // A formula error and a line break inside a cell: the CSV form cannot hold them.
    let mut rows = persons();
    rows[1][9] = Error("#N/A");
    rows[4][4] = Text("Պետրոսյան\nԱնի");
    let file = instance.write("bad.xlsx", &workbook(&[("Persons", rows)]));
    let out = instance.import("bureau-a", &file, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("row 2, column J: the cell holds the spreadsheet error #N/A"),
        "{err}"
    );
    assert!(
        err.contains("row 5, column E: the cell holds a line break"),
        "{err}"
    );
    assert!(err.contains("nothing imported"), "{err}");
    assert_eq!(instance.count("bureau-a"), 0);

    // An impossible date typed as text: named by row, column letter and column name.
    let mut rows = persons();
    rows[4][7] = Text("0000-13-45");
    let file = instance.write("date.xlsx", &workbook(&[("Persons", rows)]));
    let out = instance.import("bureau-a", &file, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("row 5, column H (birth_date)"), "{err}");
    assert_eq!(instance.count("bureau-a"), 0);
    // With --skip-bad the good rows go in, and the rejects file names the sheet's rows.
    let rejects = instance.path("rejects.csv");
    let out = instance.import(
        "bureau-a",
        &file,
        &["--skip-bad", rejects.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(instance.count("bureau-a"), 2);
    let rejected = std::fs::read_to_string(&rejects).unwrap();
    assert!(rejected.starts_with("row,errors,id,"), "{rejected}");
    assert!(
        rejected.contains("5,\"row 5, column H (birth_date): year 0 is outside"),
        "{rejected}"
    );
}

#[test]
fn what_is_not_a_workbook_is_refused_and_never_panics() {
    let instance = Instance::sqlite();
    let good = workbook(&[("Persons", persons())]);
    // Garbage, an empty file, and the good workbook cut short at many points.
    let mut cases: Vec<Vec<u8>> = vec![b"id,category\nA-1,pow\n".to_vec(), Vec::new()];
    for cut in [10, 100, good.len() / 3, good.len() / 2, good.len() - 30] {
        cases.push(good[..cut].to_vec());
    }
    for (i, bytes) in cases.iter().enumerate() {
        let file = instance.write(&format!("case{i}.xlsx"), bytes);
        let out = instance.import("bureau-a", &file, &[]);
        let err = stderr(&out);
        assert!(!out.status.success(), "case {i} was accepted");
        assert_ne!(out.status.code(), Some(101), "case {i} panicked: {err}");
        assert!(!err.contains("panicked"), "case {i}: {err}");
        assert!(!err.trim().is_empty(), "case {i}: no reason given");
        assert_eq!(instance.count("bureau-a"), 0, "case {i} left rows");
    }
    // Single bytes changed at 40 places spread over the workbook (a fixed sequence): a damaged
    // part may still read, but it never panics, and a refused import leaves nothing.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for i in 0..40 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut damaged = good.clone();
        let at = usize::try_from(state % good.len() as u64).unwrap();
        damaged[at] ^= 1 << (state % 8);
        let before = instance.count("bureau-a");
        let file = instance.write(&format!("flip{i}.xlsx"), &damaged);
        let out = instance.import("bureau-a", &file, &[]);
        let err = stderr(&out);
        assert_ne!(
            out.status.code(),
            Some(101),
            "flip {i} at {at} panicked: {err}"
        );
        assert!(!err.contains("panicked"), "flip {i} at {at}: {err}");
        if !out.status.success() {
            assert!(!err.trim().is_empty(), "flip {i}: no reason given");
            assert_eq!(instance.count("bureau-a"), before, "flip {i} left rows");
        }
    }
    // Other spreadsheet formats are named, with the way out.
    let file = instance.write("list.ods", b"PK\x03\x04");
    let out = instance.import("bureau-a", &file, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(".ods files are not read; save the list as .xlsx, or as CSV UTF-8"),
        "{}",
        stderr(&out)
    );
    // --sheet on a CSV list is a mistake, said as one.
    let file = instance.write("list.csv", b"id,category\nA-1,pow\n");
    let out = instance.import("bureau-a", &file, &["--sheet", "Persons"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--sheet names a sheet of an .xlsx workbook"));
}
