//! A throw-away PostgreSQL server of the test's own, for faults the shared test server must not
//! suffer: a file size limit on every file it writes (a disk that is full), a crash. It uses
//! the binaries `.ci/postgres.sh` installed; as root (CI) it runs as the `postgres` user, since
//! PostgreSQL refuses to run as root.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

pub struct PrivateServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// Runs `script` in bash, as the `postgres` user when we are root.
fn shell(script: &str) -> std::process::Output {
    let mut command = if is_root() {
        let mut su = Command::new("su");
        su.args(["postgres", "-s", "/bin/bash", "-c", script]);
        su
    } else {
        let mut bash = Command::new("bash");
        bash.args(["-c", script]);
        bash
    };
    command.output().expect("run a shell")
}

impl PrivateServer {
    /// Initialises a cluster with 1 MiB write-ahead log segments (so that a small file size
    /// limit never meets the log, only the tables) and a non-superuser owner `whereabouts` of
    /// database `whereabouts`, as the application runs. `None` when no PostgreSQL is installed
    /// or `WHEREABOUTS_TEST_POSTGRES` is unset (as the other PostgreSQL tests, it then runs on
    /// SQLite only).
    pub fn new() -> Option<Self> {
        std::env::var("WHEREABOUTS_TEST_POSTGRES")
            .ok()
            .filter(|u| !u.is_empty())?;
        let mut bins: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| Some(e.ok()?.path().join("bin")))
            .filter(|b| b.join("initdb").exists())
            .collect();
        bins.sort();
        let bin = bins
            .pop()
            .expect("WHEREABOUTS_TEST_POSTGRES is set but initdb is missing");
        let dir = tempfile::Builder::new()
            .prefix("wb-private-pg")
            .tempdir_in("/tmp")
            .unwrap();
        if is_root() {
            let out = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .output()
                .unwrap();
            assert!(out.status.success(), "chown: {out:?}");
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = Self { dir, bin, port };
        let out = shell(&format!(
            "'{}/initdb' -D '{}' -A trust -U postgres --no-sync --wal-segsize=1",
            server.bin.display(),
            server.data().display()
        ));
        assert!(out.status.success(), "initdb: {out:?}");
        Some(server)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn log(&self) -> PathBuf {
        self.dir.path().join("log")
    }

    /// Starts the server; with `limit_kib`, no file it writes may grow past that many KiB (the
    /// shell sets RLIMIT_FSIZE; PostgreSQL ignores SIGXFSZ, so the write fails with EFBIG, where
    /// a full disk fails with ENOSPC, and the server stays up).
    pub fn start(&self, limit_kib: Option<u64>) {
        let limit = limit_kib.map_or(String::new(), |kib| format!("ulimit -f {kib}; "));
        let out = shell(&format!(
            "{limit}'{}/pg_ctl' -D '{}' -l '{}' -w -o \"-p {} -k '{}' -c listen_addresses=127.0.0.1 -c fsync=off -c max_wal_size=4MB -c min_wal_size=2MB\" start",
            self.bin.display(),
            self.data().display(),
            self.log().display(),
            self.port,
            self.dir.path().display(),
        ));
        assert!(out.status.success(), "pg_ctl start: {out:?}");
        self.psql("SELECT 1");
    }

    /// Stops the server: `immediate` is a crash (no checkpoint; recovery at the next start).
    pub fn stop(&self, mode: &str) {
        let out = shell(&format!(
            "'{}/pg_ctl' -D '{}' -m {mode} -w stop",
            self.bin.display(),
            self.data().display()
        ));
        assert!(out.status.success(), "pg_ctl stop: {out:?}");
    }

    /// Runs SQL as the superuser; returns what it printed.
    pub fn psql(&self, sql: &str) -> String {
        self.psql_in("postgres", sql)
    }

    /// Runs SQL as the superuser in database `db`.
    pub fn psql_in(&self, db: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-U", "postgres", "-d", db])
            .args(["-v", "ON_ERROR_STOP=1", "-tAc", sql])
            .arg("-p")
            .arg(self.port.to_string())
            .output()
            .unwrap();
        assert!(out.status.success(), "psql {sql}: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// A new database owned by a role that is not a superuser (row-level security applies).
    pub fn database(&self, name: &str) -> String {
        if self.psql("SELECT count(*) FROM pg_roles WHERE rolname = 'whereabouts'") == "0" {
            self.psql(
                "CREATE ROLE whereabouts LOGIN PASSWORD 'whereabouts' NOSUPERUSER NOBYPASSRLS",
            );
        }
        self.psql(&format!("CREATE DATABASE {name} OWNER whereabouts"));
        format!(
            "postgres://whereabouts:whereabouts@127.0.0.1:{}/{name}",
            self.port
        )
    }

    /// Checks every table and B-tree index of `db` with `amcheck`: the number of corrupt heap
    /// tuples found (an index that does not check raises an error).
    pub fn corruption(&self, db: &str) -> i64 {
        self.psql_in(db, "CREATE EXTENSION IF NOT EXISTS amcheck");
        self.psql_in(
            db,
            "SELECT count(bt_index_check(c.oid, true)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'btree' AND c.relnamespace = 'public'::regnamespace",
        );
        self.psql_in(
            db,
            "SELECT count(*) FROM pg_class c, verify_heapam(c.oid) WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace",
        )
        .parse()
        .unwrap()
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = shell(&format!(
            "'{}/pg_ctl' -D '{}' -m immediate -w stop",
            self.bin.display(),
            self.data().display()
        ));
    }
}
