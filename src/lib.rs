//! Goalkeeper: one rotating goalkeeper receives every request to the ops team.

pub mod domain;
pub mod db;
pub mod auth;
pub mod web;
pub mod cli;
