use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use store::testing::ScratchDatabase;

pub const BIN: &str = env!("CARGO_BIN_EXE_whereabouts");

/// An initialised instance in a temporary data directory, with two bureaus.
pub struct Instance {
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
    // Dropping it drops the PostgreSQL database.
    _scratch: Option<ScratchDatabase>,
}

impl Instance {
    pub fn sqlite() -> Self {
        let instance = Self::bare(None);
        instance.setup();
        instance
    }

    /// A fresh PostgreSQL database, when the environment provides a server.
    pub fn postgres() -> Option<Self> {
        let base = store::testing::postgres_url()?;
        let instance = Self::bare(Some(new_postgres_database(&base, "wb_cli", None)));
        instance.setup();
        Some(instance)
    }

    /// An instance on `database` (SQLite in its directory when `None`), not initialised.
    pub fn bare(database: Option<ScratchDatabase>) -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            database_url: database.as_ref().map(|d| d.url().to_owned()),
            _scratch: database,
        }
    }

    /// An initialised instance on the database at `database_url` (SQLite when `None`).
    pub fn on(database_url: Option<String>) -> Self {
        let instance = Self {
            dir: tempfile::tempdir().unwrap(),
            database_url,
            _scratch: None,
        };
        instance.setup();
        instance
    }

    /// Another instance, empty, with this one's master key: a target to restore into, or (with
    /// `database_url`) this instance's data directory on another database.
    pub fn beside(&self, database: Option<ScratchDatabase>) -> Self {
        let other = Self::bare(database);
        std::fs::create_dir_all(other.path("data")).unwrap();
        let key = self.key_file();
        std::fs::copy(self.dir.path().join(key), other.dir.path().join(key)).unwrap();
        other
    }

    /// The master key file, relative to the instance's directory.
    pub fn key_file(&self) -> &'static str {
        match self.database_url {
            None => "data/whereabouts.db.master-key",
            Some(_) => "data/master.key",
        }
    }

    pub fn backend(&self) -> &'static str {
        if self.database_url.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    fn setup(&self) {
        let out = self.run(&["init"]);
        assert!(out.status.success(), "init: {}", stderr(&out));
        assert!(stdout(&out).contains("password (shown once)"));
        for (slug, party, country) in [("bureau-a", "Aldera", "XA"), ("bureau-b", "Borovia", "XB")]
        {
            let out = self.run(&[
                "tenant",
                "add",
                slug,
                "--name",
                slug,
                "--party",
                party,
                "--country",
                country,
            ]);
            assert!(out.status.success(), "tenant add: {}", stderr(&out));
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command.arg("--data-dir").arg(self.dir.path().join("data"));
        command.env_remove("WHEREABOUTS_DATABASE_URL");
        if let Some(url) = &self.database_url {
            command.env("WHEREABOUTS_DATABASE_URL", url);
        }
        command.env("WHEREABOUTS_LOG", "error");
        command.args(args);
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run whereabouts")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    /// How many persons the tenant holds, read back through `export`.
    pub fn count(&self, tenant: &str) -> usize {
        let out = self.export(tenant);
        out.lines().count() - 1
    }

    pub fn export(&self, tenant: &str) -> String {
        let out = self.run(&["export", "persons", "--tenant", tenant]);
        assert!(out.status.success(), "export: {}", stderr(&out));
        stdout(&out)
    }

    pub fn import(&self, tenant: &str, file: &Path, extra: &[&str]) -> Output {
        let mut args = vec![
            "import",
            "persons",
            file.to_str().unwrap(),
            "--tenant",
            tenant,
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh database on the server of `url` (a copy of `template` when given), dropped with the
/// guard.
pub fn new_postgres_database(url: &str, prefix: &str, template: Option<&str>) -> ScratchDatabase {
    match template {
        // Made over a connection to the template itself (no other session may hold it).
        Some(template) => ScratchDatabase::copy_of_blocking(template, prefix),
        None => ScratchDatabase::create_blocking(url, prefix),
    }
}

pub fn instances() -> Vec<Instance> {
    let mut all = vec![Instance::sqlite()];
    all.extend(Instance::postgres());
    all
}

/// One HTTP/1.1 request; `(status, body)`.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status: u16 = text[9..12].parse().unwrap();
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    // Chunked bodies: the JSON is inside; the tests only search it.
    (status, body.to_owned())
}
