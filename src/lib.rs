//! Goalkeeper: one rotating goalkeeper receives every request to the ops team.

pub mod app;
pub mod auth;
pub mod calendar;
pub mod cli;
pub mod db;
pub mod domain;
pub mod export;
pub mod mail_in;
pub mod matching;
pub mod outbound;
pub mod report;
pub mod seed;
pub mod web;
