//! Fresh stores for each test: a temporary SQLite file, or a new PostgreSQL database.

use std::future::Future;

use ward_store::Store;

pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `test` against a fresh, migrated store of `backend`. Without `WARD_TEST_POSTGRES_URL`
/// the PostgreSQL variant says so and passes, except under CI (`CI=true`), where a missing
/// server is a failure, never a silent skip.
pub async fn with_store<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite:{}", dir.path().join("ward-test.db").display());
            let store = Store::open(&url).await.expect("open sqlite");
            test(store.clone()).await;
            store.close().await;
        }
        Backend::Postgres => {
            let Ok(admin_url) = std::env::var("WARD_TEST_POSTGRES_URL") else {
                assert!(std::env::var("CI").is_err(), "CI must set WARD_TEST_POSTGRES_URL so the PostgreSQL conformance suite runs");
                eprintln!("postgres: skipped (WARD_TEST_POSTGRES_URL not set)");
                return;
            };
            let (url, name) = fresh_postgres_database(&admin_url).await;
            let store = Store::open(&url).await.expect("open postgres");
            test(store.clone()).await;
            store.close().await;
            drop_postgres_database(&admin_url, &name).await;
        }
    }
}

async fn admin_pool(admin_url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new().max_connections(1).connect(admin_url).await.expect("connect to WARD_TEST_POSTGRES_URL")
}

/// Creates `ward_t_<uuid>` and returns its URL (the admin URL with the database replaced).
pub async fn fresh_postgres_database(admin_url: &str) -> (String, String) {
    let name = format!("ward_t_{}", uuid::Uuid::new_v4().simple());
    let pool = admin_pool(admin_url).await;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.expect("create database");
    pool.close().await;
    let base = admin_url.split('?').next().unwrap_or(admin_url);
    let cut = base.rfind('/').expect("database URL has a path");
    (format!("{}/{}", &base[..cut], name), name)
}

async fn drop_postgres_database(admin_url: &str, name: &str) {
    let pool = admin_pool(admin_url).await;
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&pool).await;
    pool.close().await;
}

/// Declares each listed async test once per backend: `sqlite::NAME` and `postgres::NAME`.
#[macro_export]
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { $crate::harness::with_store($crate::harness::Backend::Sqlite, super::$name).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { $crate::harness::with_store($crate::harness::Backend::Postgres, super::$name).await; })*
        }
    };
}
