use crate::harness::{Instance, instances, stderr, stdout};

const HEADER: &str = "id,category,given_name,patronymic,family_name,name_language,sex,birth_date,birth_place,nationality,service_number,captured_at\n";

fn good_rows() -> String {
    format!(
        "{HEADER}\
         A-1,pow,Олександр,Петрович,Коваленко,uk,M,1991-04-17,Київ,XB,AB-123,2026-11-01\n\
         A-2,pow,محمد,عبد الرحمن,الحسن,ar,M,1988,[declined],XB,[unknown],2026-11-02\n\
         A-3,civilian-internee,Անի,,Պետրոսյան,hy,F,age:34@2026-11-01,,XB,[not-applicable],2026-10-20T08:30:00Z\n"
    )
}

#[test]
fn a_good_list_imports_and_exports_back_the_same() {
    for instance in instances() {
        let file = instance.write("list.csv", good_rows().as_bytes());
        let out = instance.import(
            "bureau-a",
            &file,
            &["--language", "uk", "--collector", "clerk-7"],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("imported 3 persons"),
            "{}",
            stdout(&out)
        );
        let export = instance.export("bureau-a");
        assert!(export.contains("Олександр"), "{export}");
        assert!(export.contains("محمد"));
        assert!(export.contains("Պետրոսյան"));
        // XC-2: the reasons survive, and declined is not unknown.
        assert!(export.contains("[declined]"));
        assert!(export.contains("[unknown]"));
        assert!(export.contains("[not-applicable]"));
        assert!(export.contains("age:34@2026-11-01"));
        // An export imports again, unchanged, into another bureau.
        let again = instance.write("again.csv", export.as_bytes());
        let out = instance.import("bureau-b", &again, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(instance.export("bureau-b"), export);
        // The other bureau's import did not touch the first.
        assert_eq!(instance.count("bureau-a"), 3);
    }
}

fn assert_refused(instance: &Instance, content: &[u8], expected: &[&str]) {
    let file = instance.write("bad.csv", content);
    let out = instance.import("bureau-a", &file, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for text in expected {
        assert!(err.contains(text), "expected {text:?} in:\n{err}");
    }
    assert!(err.contains("nothing imported"), "{err}");
    assert_eq!(
        instance.count("bureau-a"),
        0,
        "a refused import left rows behind"
    );
}

#[test]
fn bad_files_are_refused_whole_with_line_column_and_reason() {
    let instance = Instance::sqlite();
    // Windows-1251 bytes for "Олександр": not UTF-8.
    let mut cp1251 = HEADER.as_bytes().to_vec();
    cp1251.extend_from_slice(b"A-1,pow,\xCE\xEB\xE5\xEA\xF1\xE0\xED\xE4\xF0,,X,uk,M,1991,,XB,,\n");
    assert_refused(
        &instance,
        &cp1251,
        &["line 2, column 3 (given_name)", "not UTF-8"],
    );
    assert_refused(
        &instance,
        b"\xFF\xFEi\x00d\x00",
        &["UTF-16 (little-endian)"],
    );
    // Without a byte order mark, the zero bytes of ASCII letters give it away.
    assert_refused(&instance, b"i\x00d\x00,\x00", &["UTF-16 (little-endian)"]);
    assert_refused(&instance, b"", &["empty"]);
    assert_refused(
        &instance,
        b"id,given_name\nA-1,X\n",
        &["required column \"category\" is missing"],
    );
    assert_refused(
        &instance,
        b"id,category,familyname\nA-1,pow,X\n",
        &["line 1, column 3 (familyname): unknown column"],
    );
    assert_refused(
        &instance,
        b"id,category,family_name,family_name\nA-1,pow,X,Y\n",
        &["appears twice"],
    );
    let impossible = format!(
        "{HEADER}A-1,pow,Іван,,Петренко,uk,M,1985-02-30,,XB,,\nA-2,pow,Іван,,Петренко,uk,M,2031,,XB,,\n"
    );
    assert_refused(
        &instance,
        impossible.as_bytes(),
        &[
            "line 2, column 8 (birth_date)",
            "no day 30",
            "line 3, column 8 (birth_date)",
            "in the future",
        ],
    );
    let duplicates = format!(
        "{HEADER}A-1,pow,Іван,,Петренко,uk,M,1985,,XB,,\nA-1,pow,Петро,,Мороз,uk,M,1986,,XB,,\n"
    );
    assert_refused(
        &instance,
        duplicates.as_bytes(),
        &["line 3, column 1 (id): duplicate id \"A-1\": first on line 2"],
    );
    let bad_values = format!(
        "{HEADER}A-1,prisoner,Іван,,Петренко,uk,Q,1985,,Ukraine,,\nA-2,pow,,,,,,,,,,\nA-3,pow,Іван,,Петренко,uk,M,1985,,XB,,2099-01-01\nA-4,pow,Іван,,[maybe],uk,M,1985,,XB,,\n"
    );
    assert_refused(
        &instance,
        bad_values.as_bytes(),
        &[
            "line 2, column 2 (category)",
            "line 2, column 7 (sex)",
            "line 2, column 10 (nationality)",
            "line 3: the row has no name",
            "line 4, column 12 (captured_at)",
            "line 5, column 5 (family_name): unknown absence reason",
        ],
    );
    let ragged = format!("{HEADER}A-1,pow,Іван\n");
    assert_refused(
        &instance,
        ragged.as_bytes(),
        &["line 2: the row has 3 fields; the header has 12"],
    );
    let control = format!("{HEADER}A-1,pow,Іван\u{7},,Петренко,uk,M,1985,,XB,,\n");
    assert_refused(&instance, control.as_bytes(), &["control character U+0007"]);
}

#[test]
fn a_reference_already_in_the_tenant_is_refused_and_nothing_changes() {
    for instance in instances() {
        let file = instance.write("list.csv", good_rows().as_bytes());
        assert!(instance.import("bureau-a", &file, &[]).status.success());
        let before = instance.export("bureau-a");
        let out = instance.import("bureau-a", &file, &[]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("\"A-1\" is already registered in bureau-a"),
            "{}",
            stderr(&out)
        );
        assert_eq!(instance.export("bureau-a"), before);
    }
}

#[test]
fn skip_bad_imports_the_good_rows_and_writes_the_rejects_with_reasons() {
    let instance = Instance::sqlite();
    let content = format!(
        "{}A-4,pow,Іван,,Петренко,uk,M,1985-02-30,,XB,,\nA-1,pow,Дубль,,Дубль,uk,M,1985,,XB,,\n",
        good_rows()
    );
    let file = instance.write("mixed.csv", content.as_bytes());
    let rejects = instance.path("rejects.csv");
    let out = instance.import(
        "bureau-a",
        &file,
        &["--skip-bad", rejects.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("imported 3 persons"),
        "{}",
        stdout(&out)
    );
    let written = std::fs::read_to_string(&rejects).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 3, "{written}");
    assert!(lines[0].starts_with("line,errors,id,category"));
    assert!(
        lines[1].starts_with("5,") && lines[1].contains("no day 30") && lines[1].contains("A-4"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("6,") && lines[2].contains("duplicate id"),
        "{}",
        lines[2]
    );
    assert_eq!(instance.count("bureau-a"), 3);
}

#[test]
fn ambiguous_database_urls_and_missing_stores_are_refused() {
    let instance = Instance::sqlite();
    let mut command = instance.command(&["tenant", "list"]);
    command.env("WHEREABOUTS_DATABASE_URL", "whereabouts.db");
    let out = command.output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("ambiguous"), "{}", stderr(&out));
    let out = std::process::Command::new(crate::harness::BIN)
        .args([
            "--data-dir",
            instance.path("nowhere").to_str().unwrap(),
            "tenant",
            "list",
        ])
        .env_remove("WHEREABOUTS_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("run `whereabouts init` first"),
        "{}",
        stderr(&out)
    );
    // init refuses to run twice.
    let out = instance.run(&["init"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already initialised"));
}

#[test]
fn gen_is_deterministic_and_its_lists_import() {
    let instance = Instance::sqlite();
    let dir_a = instance.path("gen-a");
    let dir_b = instance.path("gen-b");
    for dir in [&dir_a, &dir_b] {
        let out = instance.run(&[
            "gen",
            "--seed",
            "42",
            "--persons",
            "300",
            "--now",
            "2026-11-01T00:00:00Z",
            "--csv-dir",
            dir.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let a = std::fs::read(dir_a.join("bureau-aldera.csv")).unwrap();
    assert_eq!(a, std::fs::read(dir_b.join("bureau-aldera.csv")).unwrap());
    let out = instance.import("bureau-a", &dir_a.join("bureau-aldera.csv"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(instance.count("bureau-a"), 300);
    // gen into the database fills two bureaus and the agency.
    let fresh = Instance::bare(None);
    assert!(fresh.run(&["init"]).status.success());
    let out = fresh.run(&["gen", "--seed", "7", "--persons", "200"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tenants = stdout(&fresh.run(&["tenant", "list"]));
    assert!(
        tenants.contains("agency")
            && tenants.contains("bureau-aldera")
            && tenants.contains("bureau-borovia"),
        "{tenants}"
    );
    assert_eq!(fresh.count("bureau-aldera"), 200);
    // The agency holds what both bureaus notified, so tracing finds them from the demo.
    assert_eq!(fresh.count("agency"), 400);
}
