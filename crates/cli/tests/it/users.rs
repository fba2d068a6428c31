//! `whereabouts user reset-totp`: an administrator resets a user's second factor (SEC-2).
//! The state the command changes is read back from the database itself, on both backends.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::harness::{Instance, instances, stderr, stdout};

enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Runs the same statement on either pool (the schema's columns are the same on both).
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            Db::Sqlite($pool) => $body,
            Db::Postgres($pool) => $body,
        }
    };
}

impl Db {
    async fn open(instance: &Instance) -> Self {
        match &instance.database_url {
            Some(url) => Self::Postgres(sqlx::PgPool::connect(url).await.unwrap()),
            None => {
                let path = instance.path("data").join("whereabouts.db");
                Self::Sqlite(
                    sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
                        .await
                        .unwrap(),
                )
            }
        }
    }

    async fn user_id(&self, username: &str) -> Uuid {
        on_db!(self, pool => sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(pool)
            .await
            .unwrap())
    }

    /// Gives the user a confirmed second factor and one live session.
    async fn enrol_and_sign_in(&self, username: &str, token: u8) {
        let now = OffsetDateTime::now_utc();
        on_db!(self, pool => {
            sqlx::query("UPDATE users SET totp_secret_sealed = $1, totp_confirmed_at = $2, totp_last_step = 7 WHERE username = $3")
                .bind(vec![9u8; 40])
                .bind(now)
                .bind(username)
                .execute(pool)
                .await
                .unwrap();
            sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at, stage) SELECT $1, id, $2, $3, 'full' FROM users WHERE username = $4")
                .bind(vec![token; 32])
                .bind(now)
                .bind(now + time::Duration::hours(8))
                .bind(username)
                .execute(pool)
                .await
                .unwrap();
        });
    }

    /// (second factor confirmed, a secret held, sessions)
    async fn totp_and_sessions(&self, username: &str) -> (bool, bool, i64) {
        on_db!(self, pool => {
            let (confirmed, secret): (Option<OffsetDateTime>, Option<Vec<u8>>) = sqlx::query_as(
                "SELECT totp_confirmed_at, totp_secret_sealed FROM users WHERE username = $1",
            )
            .bind(username)
            .fetch_one(pool)
            .await
            .unwrap();
            let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = $1")
                .bind(username)
                .fetch_one(pool)
                .await
                .unwrap();
            (confirmed.is_some(), secret.is_some(), sessions)
        })
    }

    /// (actor, action, object, detail) of every audit entry, oldest first.
    async fn audit(&self) -> Vec<(String, String, String, String)> {
        on_db!(self, pool => sqlx::query_as("SELECT actor, action, object, detail FROM audit_log ORDER BY seq")
            .fetch_all(pool)
            .await
            .unwrap())
    }
}

#[test]
fn reset_totp_forgets_the_second_factor_ends_sessions_and_is_audited() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for instance in instances() {
        for (name, role) in [("clerk-a", "bureau-clerk"), ("officer-a", "bureau-officer")] {
            let out = instance
                .command(&["user", "add", name, "--tenant", "bureau-a", "--role", role])
                .env("WHEREABOUTS_PASSWORD", "a long enough passphrase 42")
                .output()
                .unwrap();
            assert!(out.status.success(), "user add: {}", stderr(&out));
        }
        let db = runtime.block_on(Db::open(&instance));
        runtime.block_on(async {
            db.enrol_and_sign_in("clerk-a", 1).await;
            db.enrol_and_sign_in("officer-a", 2).await;
        });
        assert_eq!(
            runtime.block_on(db.totp_and_sessions("clerk-a")),
            (true, true, 1)
        );
        let before = runtime.block_on(db.audit()).len();

        let out = instance
            .command(&["user", "reset-totp", "clerk-a"])
            .env("USER", "sysadmin")
            .output()
            .unwrap();
        assert!(out.status.success(), "reset-totp: {}", stderr(&out));
        assert!(stdout(&out).contains("enrol again"), "{}", stdout(&out));

        // The user enrols again: no secret, nothing confirmed, no session left.
        assert_eq!(
            runtime.block_on(db.totp_and_sessions("clerk-a")),
            (false, false, 0)
        );
        // Nobody else is touched.
        assert_eq!(
            runtime.block_on(db.totp_and_sessions("officer-a")),
            (true, true, 1)
        );
        // SEC-4: one entry, naming the user by id and the operator, never a name or secret.
        let audit = runtime.block_on(db.audit());
        assert_eq!(audit.len(), before + 1, "{audit:?}");
        let clerk = runtime.block_on(db.user_id("clerk-a"));
        let (actor, action, object, detail) = audit.last().unwrap();
        assert_eq!(actor, "operator:sysadmin");
        assert_eq!(action, "update");
        assert_eq!(object, &format!("user:{clerk}"));
        assert!(detail.contains("totp_reset"), "{detail}");
        assert!(!detail.contains("clerk-a"));

        // An unknown user is named in the error; nothing is logged.
        let out = instance.run(&["user", "reset-totp", "nobody"]);
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains("no user \"nobody\""),
            "{}",
            stderr(&out)
        );
        assert_eq!(runtime.block_on(db.audit()).len(), before + 1);
        runtime.block_on(async {
            on_db!(&db, pool => pool.close().await);
        });
    }
}
