//! What Spin's host gives one component instance, natively: the variables
//! the component declares, its SQLite `default` database (if it declares
//! one) and the PostgreSQL servers its `allowed_outbound_hosts` grant.
//!
//! A component instance is a thread here, as it is a single-threaded
//! instance in Spin: whoever runs a handler in process installs the
//! instance's [`Grants`] on the thread first ([`install`]), and the store's
//! and the API's native bindings read them from there. Nothing is granted
//! by default: a thread with no grants reads no variable and opens no
//! database, as a component that declares nothing.

use std::{cell::RefCell, path::PathBuf, rc::Rc};

pub use postgres;
pub use rusqlite;

/// What one component instance may use, as spin.toml grants it.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    /// The component's variables, resolved (name, value).
    pub variables: Vec<(String, String)>,
    /// The file behind the `default` SQLite database, if the component
    /// declares `sqlite_databases = ["default"]`.
    pub sqlite_default: Option<PathBuf>,
    /// `allowed_outbound_hosts` entries with the `postgres` scheme, as
    /// `postgres://host:port`.
    pub postgres_hosts: Vec<String>,
}

thread_local! {
    static GRANTS: RefCell<Option<Rc<Grants>>> = const { RefCell::new(None) };
}

/// Makes `grants` what the current thread's component instance may use.
pub fn install(grants: Grants) {
    GRANTS.set(Some(Rc::new(grants)));
}

fn grants() -> Result<Rc<Grants>, String> {
    GRANTS
        .with_borrow(Clone::clone)
        .ok_or_else(|| "no component instance runs on this thread (install its grants)".into())
}

/// A variable's value; `Ok(None)` when the component does not define it
/// (Spin's `Undefined`).
pub fn variable(name: &str) -> Result<Option<String>, String> {
    let grants = grants()?;
    Ok(grants.variables.iter().find(|(n, _)| n == name).map(|(_, value)| value.clone()))
}

/// Opens the `default` SQLite database, as Spin's `open_default` does; an
/// error naming the missing grant when the component declares none.
pub fn open_sqlite_default() -> Result<rusqlite::Connection, String> {
    let path = grants()?
        .sqlite_default
        .clone()
        .ok_or("access denied: the component declares no sqlite_databases = [\"default\"]")?;
    rusqlite::Connection::open(&path).map_err(|e| format!("opening {}: {e}", path.display()))
}

/// Connects to the PostgreSQL server `url` names, if the component's
/// `allowed_outbound_hosts` grant its host and port.
pub fn connect_postgres(url: &str) -> Result<postgres::Client, String> {
    let config: postgres::Config = url.parse().map_err(|e| format!("invalid PostgreSQL address: {e}"))?;
    let grants = grants()?;
    let allowed =
        config.get_hosts().iter().zip(config.get_ports().iter().chain(std::iter::repeat(&5432))).all(|(host, port)| {
            let host = match host {
                postgres::config::Host::Tcp(name) => name.clone(),
                postgres::config::Host::Unix(path) => path.display().to_string(),
            };
            grants.postgres_hosts.iter().any(|granted| *granted == format!("postgres://{host}:{port}"))
        });
    if !allowed || config.get_hosts().is_empty() {
        return Err("access denied: the component's allowed_outbound_hosts do not grant this PostgreSQL host".into());
    }
    config.connect(postgres::NoTls).map_err(|e| format!("connecting to PostgreSQL: {e}"))
}

/// SQL NULL as a PostgreSQL parameter of any type, as Spin binds its
/// `DbNull` (a typed `None` would refuse columns of other types).
#[derive(Debug, Clone, Copy)]
pub struct PgNull;

impl postgres::types::ToSql for PgNull {
    fn to_sql(
        &self,
        _: &postgres::types::Type,
        _: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(postgres::types::IsNull::Yes)
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_has_what_its_instance_was_granted_and_nothing_else() {
        assert!(variable("auth_secret").unwrap_err().contains("no component instance"));
        install(Grants {
            variables: vec![("auth_secret".into(), "s3cret".into())],
            sqlite_default: None,
            postgres_hosts: vec!["postgres://127.0.0.1:5432".into()],
        });
        assert_eq!(variable("auth_secret"), Ok(Some("s3cret".into())));
        assert_eq!(variable("database_url"), Ok(None), "undefined, as Spin says of a variable not declared");
        assert!(open_sqlite_default().unwrap_err().contains("sqlite_databases"));
        let refused = |url| connect_postgres(url).err().unwrap_or_default();
        let other_host = refused("postgres://u@db.example:5432/app");
        assert!(other_host.contains("allowed_outbound_hosts"), "{other_host}");
        let other_port = refused("postgres://u@127.0.0.1:5433/app");
        assert!(other_port.contains("allowed_outbound_hosts"), "another port: {other_port}");
    }
}
