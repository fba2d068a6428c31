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
    Database(#[from] sqlx::Error),
    #[error("processing of this record is restricted (ICRC-DP-c): your role may not act on it")]
    Restricted,
    #[error("key hierarchy: {0}")]
    Vault(#[from] vault::VaultError),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

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
        Self::Database(error)
    }
}

/// For `map_err` on a write: a unique violation answers with `taken()`, an error that names
/// what already exists; any other failure stays a database error.
pub(crate) fn unless_taken(
    taken: impl FnOnce() -> StoreError,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => taken(),
        _ => StoreError::Database(e),
    }
}
