use domain::PersonId;

/// What can go wrong in the store. Messages name the problem without personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL refused: {0}")]
    BadUrl(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error("a person with reference {reference:?} already exists in this tenant")]
    DuplicateReference { reference: String },
    #[error("person {0} is not in this tenant")]
    UnknownPerson(PersonId),
    /// The disk refused the write (full, a file size limit, or failing); the transaction was
    /// rolled back. Tested by `crates/cli/tests/it/faults.rs` (docs/security.md, C2).
    #[error("the database cannot be written: {0}")]
    Storage(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("processing of this record is restricted (ICRC-DP-c): your role may not act on it")]
    Restricted,
    #[error("key hierarchy: {0}")]
    Vault(#[from] vault::VaultError),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<sqlx::Error> for StoreError {
    /// A write the server's disk refused becomes [`StoreError::Storage`], which names the
    /// problem; every other failure stays a database error.
    fn from(error: sqlx::Error) -> Self {
        if let Some(reason) = disk_refused(&error) {
            return Self::Storage(reason);
        }
        Self::Database(error)
    }
}

/// PostgreSQL's answer when its disk refuses a write: SQLSTATE 53100 (`disk_full`, ENOSPC),
/// or "could not extend/write file" with another errno (EFBIG from a file size limit, EIO).
/// The transaction is rolled back by the server. Tested by
/// `crates/cli/tests/it/faults.rs` (docs/security.md, C2).
fn disk_refused(error: &sqlx::Error) -> Option<String> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    let message = db.message();
    let refused = db.code().as_deref() == Some("53100")
        || message.starts_with("could not extend file")
        || message.starts_with("could not write")
        || message.contains("No space left on device");
    refused.then(|| {
        format!("the disk is full, a file size limit was reached, or the disk failed (PostgreSQL: {message})")
    })
}

impl StoreError {
    /// Maps a unique-constraint violation on the person reference to a clear error.
    pub(crate) fn from_insert(error: sqlx::Error, reference: &str) -> Self {
        if let sqlx::Error::Database(db) = &error
            && db.is_unique_violation()
        {
            return Self::DuplicateReference {
                reference: reference.to_owned(),
            };
        }
        Self::from(error)
    }
}

/// For `map_err` on a write: a unique violation answers with `taken()`, an error that names
/// what already exists; any other failure stays a database error.
pub(crate) fn unless_taken(
    taken: impl FnOnce() -> StoreError,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => taken(),
        _ => StoreError::from(e),
    }
}
