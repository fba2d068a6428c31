//! The test harness's own promise: a PostgreSQL database made for a test is gone when the test
//! ends, even with a pool still connected to it (a developer's disk filled up with them once).

use sqlx::Connection as _;
use whereabouts_store::testing::{ScratchDatabase, postgres_url};
use whereabouts_store::{DatabaseUrl, Store};

async fn exists(admin_url: &str, name: &str) -> bool {
    let mut admin = sqlx::PgConnection::connect(admin_url).await.unwrap();
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&mut admin)
        .await
        .unwrap();
    found.is_some()
}

#[tokio::test]
async fn a_scratch_database_is_dropped_with_its_guard_even_while_a_pool_holds_it() {
    // SQLite tests live in temporary directories; only PostgreSQL needs this.
    let Some(url) = postgres_url() else { return };
    let scratch = ScratchDatabase::create(&url, "wb_test").await;
    let name = scratch.name().to_owned();
    assert!(exists(&url, &name).await);
    let store = Store::open(&DatabaseUrl::parse(scratch.url()).unwrap())
        .await
        .unwrap();
    // Migrated and connected: the pool is open when the guard goes.
    assert!(store.tenants().await.unwrap().is_empty());
    drop(scratch);
    assert!(!exists(&url, &name).await, "{name} is still there");
    // The blocking form, for the CLI's tests, does the same.
    let scratch = ScratchDatabase::create_blocking(&url, "wb_test");
    let name = scratch.name().to_owned();
    assert!(exists(&url, &name).await);
    drop(scratch);
    assert!(!exists(&url, &name).await, "{name} is still there");
}
