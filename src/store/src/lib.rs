//! Storage for the feature components, through Spin's host capabilities.
//!
//! Nothing is opened until a request needs data: [`Db::open`] is called inside
//! the handler. The backend comes from the `database_url` variable, parsed
//! once into a [`DatabaseUrl`]: empty means Spin's SQLite `default` database
//! (zero setup for `spin up`), a `postgres://` URL means Spin's outbound
//! PostgreSQL, anything else is refused. SQL is written once, in
//! PostgreSQL's `$1` placeholder style, and translated for SQLite.

pub mod attempts;
mod db;
// The host the store calls, chosen here and nowhere else in it: in a
// component, Spin 4's asynchronous database calls by default and Spin 3.6's
// synchronous ones in the `mewayz_spin3` build; natively (handlers run in
// process by the tests), the same drivers Spin's host uses.
#[cfg_attr(all(target_arch = "wasm32", not(mewayz_spin3)), path = "host_spin4.rs")]
#[cfg_attr(all(target_arch = "wasm32", mewayz_spin3), path = "host_spin3.rs")]
#[cfg_attr(not(target_arch = "wasm32"), path = "host_native.rs")]
mod host;
pub mod invitations;
pub mod members;
mod migrations;
pub mod sessions;
pub mod slots;
// Only the hosts use it: a native build without a host has none.
#[cfg_attr(all(not(target_arch = "wasm32"), not(feature = "native-host")), allow(dead_code))]
mod sql;
mod url;
pub mod users;
pub mod workspaces;

pub use db::{Backend, Connected, Db, Row, StoreError, Usage, Value};
pub use migrations::{MIGRATIONS, Migration, check_part};
pub use url::{DatabaseUrl, InvalidDatabaseUrl};
