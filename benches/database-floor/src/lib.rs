//! What one database statement costs a feature component at best: a WASI P3
//! component, built like the feature components, that keeps its connection
//! in its instance (as `mewayz_store::Db` does) and answers each request
//! with `SELECT 1`. No route that reads the database can be faster.
//! `database_url` empty: Spin's SQLite `default` database; else PostgreSQL.

#[cfg(target_arch = "wasm32")]
mod component {
    use std::cell::RefCell;

    use spin_sdk::http_wasip3::{Request, http_service};
    use spin_sdk::{pg4, sqlite, variables};

    enum Connection {
        Sqlite(sqlite::Connection),
        Postgres(pg4::Connection),
    }

    thread_local! {
        static KEPT: RefCell<Option<Connection>> = const { RefCell::new(None) };
    }

    #[http_service]
    async fn handle(_req: Request) -> (http::StatusCode, String) {
        match KEPT.with_borrow_mut(select_one) {
            Ok(()) => (http::StatusCode::OK, "ok".into()),
            Err(why) => {
                // The next request opens a new connection.
                KEPT.set(None);
                eprintln!("SELECT 1 failed: {why}");
                (http::StatusCode::SERVICE_UNAVAILABLE, why)
            }
        }
    }

    fn select_one(kept: &mut Option<Connection>) -> Result<(), String> {
        if kept.is_none() {
            let url = variables::get("database_url").map_err(|e| e.to_string())?;
            *kept = Some(if url.is_empty() {
                Connection::Sqlite(sqlite::Connection::open_default().map_err(|e| e.to_string())?)
            } else {
                Connection::Postgres(pg4::Connection::open(&url).map_err(|e| e.to_string())?)
            });
        }
        match kept.as_ref() {
            Some(Connection::Sqlite(conn)) => conn.execute("SELECT 1", &[]).map(drop).map_err(|e| e.to_string()),
            Some(Connection::Postgres(conn)) => conn.query("SELECT 1", &[]).map(drop).map_err(|e| e.to_string()),
            None => unreachable!("opened above"),
        }
    }
}
