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
// The Spin generation the store calls, chosen here and nowhere else in it:
// Spin 4's asynchronous database calls by default, Spin 3.6's synchronous
// ones in the `mewayz_spin3` build.
#[cfg_attr(not(mewayz_spin3), path = "host_spin4.rs")]
#[cfg_attr(mewayz_spin3, path = "host_spin3.rs")]
mod host;
pub mod invitations;
pub mod members;
mod migrations;
pub mod sessions;
pub mod slots;
mod sql;
mod url;
pub mod users;
pub mod workspaces;

pub use db::{Backend, Connected, Db, Row, StoreError, Usage, Value};
pub use migrations::{MIGRATIONS, Migration, check_part};
pub use url::{DatabaseUrl, InvalidDatabaseUrl};
