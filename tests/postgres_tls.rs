//! Neon requires TLS. This proves the PostgreSQL driver the service is built
//! with speaks it: a connection to the local server (which has `ssl = on`)
//! with a Neon-style URL, `sslmode=require&channel_binding=require`.
//!
//! It needs a PostgreSQL server, so plain `cargo test` (SQLite) reports it
//! as ignored; `scripts/test` runs it in the PostgreSQL pass.

use sea_orm::{ConnectionTrait, Database, Statement};

#[tokio::test]
#[ignore = "needs PostgreSQL with TLS: run by scripts/test in the PostgreSQL pass"]
async fn connects_to_postgres_over_tls_with_a_neon_style_url() {
    // The server of the PostgreSQL pass, database `postgres`.
    let (scheme, server) = crate::support::postgres_server();
    let url = format!("{scheme}://{server}/postgres?sslmode=require&channel_binding=require");
    let db = Database::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("TLS connection with sslmode=require failed: {e}"));
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ))
        .await
        .expect("query pg_stat_ssl")
        .expect("a row for this backend");
    let ssl: bool = row.try_get("", "ssl").expect("ssl column");
    assert!(ssl, "the connection is not encrypted");
    db.close().await.expect("close");
}
