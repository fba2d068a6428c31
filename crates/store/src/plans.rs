//! The database's plans for lookups by id under a tenant condition (issue 5). SQLite keeps no
//! statistics here, and for `tenant_id = $1 AND id IN (…)` or `tenant_id = $1 AND ($2 IS NULL
//! OR id = $2)` it chose an index on `tenant_id` alone and read every row of the tenant for
//! each lookup (`forwarding::TENANT_CHECK`, bench/README.md "Forwarding"). These plans are
//! pinned by a test (`crates/store/tests/it/plans.rs`) so that a change of SQL or index that
//! brings the scan back fails there.

use domain::PersonId;
use uuid::Uuid;

use crate::error::StoreResult;
use crate::rows::ScopedPool;
use crate::scope::TenantScope;
use crate::{Backend, Store};

impl Store {
    /// SQLite's `EXPLAIN QUERY PLAN` (PostgreSQL's `EXPLAIN`; nothing runs) of each lookup by id
    /// that a tenant condition could turn into a scan of the tenant, named: `persons by id`
    /// (`person_records`), `forwarding decisions of a person` (the person page), `an enquiry`,
    /// `its answers`, `its closure` (`Store::enquiry`). `person` and `enquiry` are bound.
    ///
    /// # Errors
    /// A database error.
    pub async fn explain_lookups_by_id(
        &self,
        scope: &TenantScope,
        person: PersonId,
        enquiry: Uuid,
    ) -> StoreResult<Vec<(&'static str, Vec<String>)>> {
        let persons = format!(
            "SELECT persons.id, persons.reference FROM persons WHERE persons.id IN ($2, $3) AND {}",
            crate::forwarding::TENANT_CHECK
        );
        let [one, answers, closure] = crate::messages::ENQUIRY_ONE;
        let lookups: [(&'static str, String, Uuid); 5] = [
            ("persons by id", persons, *person.as_uuid()),
            (
                "forwarding decisions of a person",
                crate::forwarding::DECISIONS_OF_PERSON.to_owned(),
                *person.as_uuid(),
            ),
            ("an enquiry", one.to_owned(), enquiry),
            ("its answers", answers.to_owned(), enquiry),
            ("its closure", closure.to_owned(), enquiry),
        ];
        let tenant = *scope.tenant().as_uuid();
        let mut plans = Vec::with_capacity(lookups.len());
        for (name, sql, id) in lookups {
            // `$3` is bound only where the SQL has it (the persons' IN list).
            let two = sql.contains("$3");
            let plan = match &self.backend {
                Backend::Sqlite(pool) => {
                    let mut tx = pool.read_scoped(scope).await?;
                    let query = sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(
                        format!("EXPLAIN QUERY PLAN {sql}"),
                    ))
                    .bind(tenant)
                    .bind(id);
                    let query = if two { query.bind(id) } else { query };
                    let rows = query.fetch_all(&mut *tx).await?;
                    tx.commit().await?;
                    rows.into_iter().map(|(.., detail)| detail).collect()
                }
                Backend::Postgres(pool) => {
                    let mut tx = pool.read_scoped(scope).await?;
                    let query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!(
                        "EXPLAIN {sql}"
                    )))
                    .bind(tenant)
                    .bind(id);
                    let query = if two { query.bind(id) } else { query };
                    let rows = query.fetch_all(&mut *tx).await?;
                    tx.commit().await?;
                    rows
                }
            };
            plans.push((name, plan));
        }
        Ok(plans)
    }
}
