//! Choosing the backend from the URL scheme. Anything ambiguous is refused: a bare path could be
//! a typo that silently creates a new, empty database.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::StoreError;

/// Where the data lives. `Debug` and `Display` never show a PostgreSQL password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite:///absolute/path/whereabouts.db` or `sqlite://relative/path.db`.
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`.
    Postgres(SecretUrl),
}

/// A URL that may hold a password.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(String);

impl SecretUrl {
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl DatabaseUrl {
    /// # Errors
    /// [`StoreError::BadUrl`] for an unknown scheme, a bare path, or an in-memory SQLite URL.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        let bad = |reason: &str| StoreError::BadUrl(reason.to_owned());
        if let Some(rest) = text.strip_prefix("sqlite://") {
            if rest.is_empty() {
                return Err(bad(
                    "sqlite:// needs a file path, e.g. sqlite:///var/lib/whereabouts/whereabouts.db",
                ));
            }
            if rest.contains(":memory:") || rest.contains('?') {
                return Err(bad(
                    "in-memory SQLite and URL options are not accepted: name a file",
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(rest)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Self::Postgres(SecretUrl(text.to_owned())));
        }
        if text.starts_with("sqlite:") {
            return Err(bad("write sqlite:// followed by the file path"));
        }
        if text.contains("://") {
            return Err(bad("the scheme must be sqlite:// or postgres://"));
        }
        Err(bad(
            "a bare path is ambiguous: write sqlite:///path/to/file.db or postgres://host/db",
        ))
    }

    #[must_use]
    pub fn sqlite_file(path: &Path) -> Self {
        Self::Sqlite(path.to_path_buf())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(secret) => {
                // Show scheme, host and database; never the user's password.
                let text = secret.expose();
                let after_scheme = text.split_once("://").map_or(text, |(_, rest)| rest);
                let host_and_db = after_scheme
                    .rsplit_once('@')
                    .map_or(after_scheme, |(_, rest)| rest);
                let without_query = host_and_db.split('?').next().unwrap_or_default();
                write!(f, "postgres://{without_query}")
            }
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_comes_from_the_scheme() {
        assert!(matches!(
            DatabaseUrl::parse("sqlite:///var/lib/w/w.db"),
            Ok(DatabaseUrl::Sqlite(path)) if path == Path::new("/var/lib/w/w.db")
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgres://u:p@h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
    }

    #[test]
    fn ambiguous_urls_are_refused() {
        for text in [
            "whereabouts.db",
            "/var/lib/w.db",
            "sqlite:w.db",
            "sqlite://",
            "sqlite://:memory:",
            "mysql://h/db",
            "",
        ] {
            assert!(DatabaseUrl::parse(text).is_err(), "{text} was accepted");
        }
    }

    #[test]
    fn passwords_never_print() {
        let url =
            DatabaseUrl::parse("postgres://alice:s3cret@db.local:5432/w?sslmode=require").unwrap();
        assert_eq!(url.to_string(), "postgres://db.local:5432/w");
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
