//! The model layer with no request around it: every function REST and MCP
//! share, called with a database connection alone, on a fresh database per
//! test (SQLite, or PostgreSQL in the PostgreSQL pass).

mod idempotency_keys;
mod seed;
mod tags;
mod tasks;
