//! In-process HTTP tests: each test gets a fresh SQLite database.

mod helpers;

mod admin;
mod auth;
mod requests;
mod security;
mod triage;
