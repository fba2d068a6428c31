//! Typed access to the columns of a row of either backend, and the scoped transaction.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{PgPool, Postgres, Row, Sqlite, SqlitePool, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::StoreResult;
use crate::scope::TenantScope;

pub(crate) trait RowExt {
    fn uuid(&self, column: &str) -> StoreResult<Uuid>;
    fn opt_uuid(&self, column: &str) -> StoreResult<Option<Uuid>>;
    fn text(&self, column: &str) -> StoreResult<String>;
    fn opt_text(&self, column: &str) -> StoreResult<Option<String>>;
    fn time(&self, column: &str) -> StoreResult<OffsetDateTime>;
    fn opt_time(&self, column: &str) -> StoreResult<Option<OffsetDateTime>>;
    fn int(&self, column: &str) -> StoreResult<i32>;
    fn bytes(&self, column: &str) -> StoreResult<Vec<u8>>;
}

macro_rules! row_ext {
    ($row:ty) => {
        impl RowExt for $row {
            fn uuid(&self, column: &str) -> StoreResult<Uuid> {
                Ok(self.try_get(column)?)
            }
            fn opt_uuid(&self, column: &str) -> StoreResult<Option<Uuid>> {
                Ok(self.try_get(column)?)
            }
            fn text(&self, column: &str) -> StoreResult<String> {
                Ok(self.try_get(column)?)
            }
            fn opt_text(&self, column: &str) -> StoreResult<Option<String>> {
                Ok(self.try_get(column)?)
            }
            fn time(&self, column: &str) -> StoreResult<OffsetDateTime> {
                Ok(self.try_get(column)?)
            }
            fn opt_time(&self, column: &str) -> StoreResult<Option<OffsetDateTime>> {
                Ok(self.try_get(column)?)
            }
            fn int(&self, column: &str) -> StoreResult<i32> {
                Ok(self.try_get(column)?)
            }
            fn bytes(&self, column: &str) -> StoreResult<Vec<u8>> {
                Ok(self.try_get(column)?)
            }
        }
    };
}
row_ext!(SqliteRow);
row_ext!(PgRow);

/// Opens a transaction bound to a tenant. On PostgreSQL it sets `app.tenant_id` for the
/// transaction, which the row-level security policies read. On SQLite a write transaction
/// takes the write lock at once (`BEGIN IMMEDIATE`), so concurrent writers wait in turn
/// instead of failing to upgrade a read lock.
pub(crate) trait ScopedPool {
    type Db: sqlx::Database;
    async fn begin_scoped(
        &self,
        scope: &TenantScope,
    ) -> StoreResult<Transaction<'static, Self::Db>>;
    /// A read-only view of one tenant: no write lock on SQLite.
    async fn read_scoped(&self, scope: &TenantScope)
    -> StoreResult<Transaction<'static, Self::Db>>;
}

impl ScopedPool for SqlitePool {
    type Db = Sqlite;
    async fn begin_scoped(
        &self,
        _scope: &TenantScope,
    ) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self.begin_with("BEGIN IMMEDIATE").await?)
    }
    async fn read_scoped(&self, _scope: &TenantScope) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self.begin().await?)
    }
}

impl ScopedPool for PgPool {
    type Db = Postgres;
    async fn begin_scoped(
        &self,
        scope: &TenantScope,
    ) -> StoreResult<Transaction<'static, Postgres>> {
        let mut tx = self.begin().await?;
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(scope.tenant().to_string())
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
    async fn read_scoped(
        &self,
        scope: &TenantScope,
    ) -> StoreResult<Transaction<'static, Postgres>> {
        self.begin_scoped(scope).await
    }
}
