//! The AWS adapters against a moto server (the real AWS wire protocols on loopback),
//! one server per test.

mod chart_store;
mod queue;
mod registry;
mod secrets;
mod server;
mod settings;
mod state_store;
