//! The P3 floors of benches/routes.sh, for the WASI P3 generation the
//! feature components are built for (Spin 4 by default, Spin 3.6 with
//! `--cfg mewayz_spin3`, as build-component chooses):
//! - `/p3`: a WASI P3 component that does nothing — what a request costs
//!   Spin and the SDK's P3 entry alone (the P3 floor);
//! - `/database`: `SELECT 1` on a connection its instance keeps, one per
//!   request in flight, as `mewayz_store::Db` does (the database floor: no
//!   route that reads the database can be faster).
//!
//! `database_url` empty: Spin's SQLite `default` database; else PostgreSQL.

#[cfg(all(target_arch = "wasm32", not(mewayz_spin3)))]
mod component {
    use std::cell::RefCell;

    use spin_sdk::{
        http::{Request, StatusCode},
        http_service, pg, sqlite, variables,
    };

    enum Connection {
        Sqlite(sqlite::Connection),
        Postgres(pg::Connection),
    }

    thread_local! {
        /// Connections no request is using.
        static IDLE: RefCell<Vec<Connection>> = const { RefCell::new(Vec::new()) };
    }

    #[http_service]
    async fn handle(req: Request) -> StatusCode {
        if req.uri().path() == "/p3" {
            return StatusCode::OK;
        }
        let outcome = async {
            let connection = match IDLE.with_borrow_mut(Vec::pop) {
                Some(connection) => connection,
                None => open().await?,
            };
            select_one(&connection).await?;
            IDLE.with_borrow_mut(|idle| idle.push(connection));
            Ok::<_, String>(())
        };
        match outcome.await {
            Ok(()) => StatusCode::OK,
            Err(why) => {
                eprintln!("SELECT 1 failed: {why}");
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    async fn open() -> Result<Connection, String> {
        let url = variables::get("database_url").await.map_err(|e| e.to_string())?;
        Ok(if url.is_empty() {
            Connection::Sqlite(sqlite::Connection::open_default().await.map_err(|e| e.to_string())?)
        } else {
            Connection::Postgres(pg::Connection::open(url).await.map_err(|e| e.to_string())?)
        })
    }

    async fn select_one(connection: &Connection) -> Result<(), String> {
        match connection {
            Connection::Sqlite(conn) => {
                let rows = conn.execute("SELECT 1", []).await.map_err(|e| e.to_string())?;
                rows.collect().await.map(drop).map_err(|e| e.to_string())
            }
            Connection::Postgres(conn) => {
                let rows = conn.query("SELECT 1", []).await.map_err(|e| e.to_string())?;
                rows.collect().await.map(drop).map_err(|e| e.to_string())
            }
        }
    }
}

#[cfg(all(target_arch = "wasm32", mewayz_spin3))]
mod component {
    use std::cell::RefCell;

    use spin_sdk::http_wasip3::{Request, http_service};
    use spin_sdk::{pg4, sqlite, variables};

    enum Connection {
        Sqlite(sqlite::Connection),
        Postgres(pg4::Connection),
    }

    thread_local! {
        /// Spin 3.6's calls are synchronous: requests never interleave in
        /// an instance, and one kept connection serves them all.
        static KEPT: RefCell<Option<Connection>> = const { RefCell::new(None) };
    }

    #[http_service]
    async fn handle(req: Request) -> (http::StatusCode, String) {
        if req.uri().path() == "/p3" {
            return (http::StatusCode::OK, String::new());
        }
        match KEPT.with_borrow_mut(select_one) {
            Ok(()) => (http::StatusCode::OK, String::new()),
            Err(why) => {
                // The next request opens a new connection.
                KEPT.set(None);
                eprintln!("SELECT 1 failed: {why}");
                (http::StatusCode::SERVICE_UNAVAILABLE, why)
            }
        }
    }

    fn select_one(kept: &mut Option<Connection>) -> Result<(), String> {
        let connection = match kept.take() {
            Some(connection) => connection,
            None => {
                let url = variables::get("database_url").map_err(|e| e.to_string())?;
                if url.is_empty() {
                    Connection::Sqlite(sqlite::Connection::open_default().map_err(|e| e.to_string())?)
                } else {
                    Connection::Postgres(pg4::Connection::open(&url).map_err(|e| e.to_string())?)
                }
            }
        };
        let outcome = match &connection {
            Connection::Sqlite(conn) => conn.execute("SELECT 1", &[]).map(drop).map_err(|e| e.to_string()),
            Connection::Postgres(conn) => conn.query("SELECT 1", &[]).map(drop).map_err(|e| e.to_string()),
        };
        *kept = Some(connection);
        outcome
    }
}
