//! In-process HTTP tests: each test gets a fresh SQLite database.

mod helpers;
#[path = "../support/mod.rs"]
mod support;

mod admin;
mod api;
mod attachments;
mod auth;
mod hardening;
mod insights;
mod knowledge;
mod notify;
mod requests;
mod rotation;
mod search;
mod security;
mod triage;
mod truth;
mod workday;
