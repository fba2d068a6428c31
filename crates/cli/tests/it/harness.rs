use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_whereabouts");

/// An initialised instance in a temporary data directory, with two bureaus.
pub struct Instance {
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
}

impl Instance {
    pub fn sqlite() -> Self {
        let instance = Self {
            dir: tempfile::tempdir().unwrap(),
            database_url: None,
        };
        instance.setup();
        instance
    }

    /// A fresh PostgreSQL database, when the environment provides a server.
    pub fn postgres() -> Option<Self> {
        let base = std::env::var("WHEREABOUTS_TEST_POSTGRES")
            .ok()
            .filter(|u| !u.is_empty())?;
        let instance = Self {
            dir: tempfile::tempdir().unwrap(),
            database_url: Some(new_postgres_database(&base, "wb_cli", None)),
        };
        instance.setup();
        Some(instance)
    }

    /// Another instance, empty, with this one's master key: a target to restore into, or (with
    /// `database_url`) this instance's data directory on another database.
    pub fn beside(&self, database_url: Option<String>) -> Self {
        let other = Self {
            dir: tempfile::tempdir().unwrap(),
            database_url,
        };
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

/// Creates a database on the server of `url` (a copy of `template` when given: the owner may
/// copy a database nobody is connected to) and returns its URL.
pub fn new_postgres_database(url: &str, prefix: &str, template: Option<&str>) -> String {
    let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    let (server, _) = url.rsplit_once('/').unwrap();
    let statement = match template {
        Some(template) => {
            let (_, template) = template.rsplit_once('/').unwrap();
            format!("CREATE DATABASE {name} TEMPLATE {template}")
        }
        None => format!("CREATE DATABASE {name}"),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut admin)
            .await
            .unwrap();
    });
    format!("{server}/{name}")
}

pub fn instances() -> Vec<Instance> {
    let mut all = vec![Instance::sqlite()];
    all.extend(Instance::postgres());
    all
}
