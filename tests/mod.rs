//! One test binary: request tests through Loco's `testing` module, run on
//! SQLite by default and on PostgreSQL when `DATABASE_URL` points to it.

mod access_log;
mod architecture;
mod keep_alive;
mod models;
mod postgres_tls;
mod requests;
mod secrets;
mod server;
mod shutdown;
mod slow_client;
mod startup;
mod streams;
mod support;
