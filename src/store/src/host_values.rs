// The value and error conversions of both Spin generations' database calls,
// `include!`d by host_spin4.rs and host_spin3.rs: their SDKs generate distinct
// types with the same names (`sqlite::Value`, `pg::DbValue`, `pg::PgError`),
// which each file brings into scope as `sqlite` and `pg`.

fn to_sqlite(value: &Value) -> sqlite::Value {
    match value {
        Value::Int(n) => sqlite::Value::Integer(*n),
        Value::Text(s) => sqlite::Value::Text(s.clone()),
        Value::Bool(b) => sqlite::Value::Integer(i64::from(*b)),
        Value::Null => sqlite::Value::Null,
    }
}

/// The store writes integers, text, booleans (as integers) and NULL, and
/// reads nothing else: another type is a schema problem, not a value to
/// guess at.
fn from_sqlite(value: sqlite::Value) -> Result<Value, StoreError> {
    match value {
        sqlite::Value::Integer(n) => Ok(Value::Int(n)),
        sqlite::Value::Text(s) => Ok(Value::Text(s)),
        sqlite::Value::Null => Ok(Value::Null),
        other => Err(StoreError::Corrupt(format!("a SQLite column the store never writes: {other:?}"))),
    }
}

fn to_pg(value: &Value) -> pg::ParameterValue {
    match value {
        Value::Int(n) => pg::ParameterValue::Int64(*n),
        Value::Text(s) => pg::ParameterValue::Str(s.clone()),
        Value::Bool(b) => pg::ParameterValue::Boolean(*b),
        Value::Null => pg::ParameterValue::DbNull,
    }
}

fn from_pg(value: pg::DbValue) -> Result<Value, StoreError> {
    use pg::DbValue as V;
    match value {
        V::Boolean(b) => Ok(Value::Bool(b)),
        V::Int8(n) => Ok(Value::Int(n.into())),
        V::Int16(n) => Ok(Value::Int(n.into())),
        V::Int32(n) => Ok(Value::Int(n.into())),
        V::Int64(n) => Ok(Value::Int(n)),
        V::Str(s) => Ok(Value::Text(s)),
        V::DbNull => Ok(Value::Null),
        other => Err(StoreError::Corrupt(format!("a PostgreSQL column the store never writes: {other:?}"))),
    }
}

fn sqlite_error(err: sqlite::Error) -> StoreError {
    match err {
        sqlite::Error::Io(msg) if msg.contains("UNIQUE constraint failed") => StoreError::Conflict,
        sqlite::Error::Io(msg) if msg.contains("database is locked") || msg.contains("busy") => {
            StoreError::Unavailable(msg)
        }
        sqlite::Error::Io(msg) => StoreError::Query(msg),
        other => StoreError::Unavailable(format!("{other:?}")),
    }
}

fn pg_error(err: pg::PgError) -> StoreError {
    match err {
        pg::PgError::QueryFailed(pg::QueryError::DbError(db)) => match db.code.as_str() {
            "23505" => StoreError::Conflict,
            // A NUL character in text (character_not_in_repertoire).
            "22021" => StoreError::Unstorable(format!("{} ({})", db.message, db.code)),
            // Connection exceptions, shutdowns, cancelled or timed-out
            // statements. Deadlocks and serialization failures: the same
            // request retried goes through.
            code if code.starts_with("08") || code.starts_with("57") || matches!(code, "53300" | "40P01" | "40001") => {
                StoreError::Unavailable(format!("{} ({})", db.message, db.code))
            }
            _ => StoreError::Query(format!("{} ({})", db.message, db.code)),
        },
        pg::PgError::QueryFailed(pg::QueryError::Text(msg)) => StoreError::Unavailable(msg),
        pg::PgError::ConnectionFailed(msg) | pg::PgError::Other(msg) => StoreError::Unavailable(msg),
        other => StoreError::Query(format!("{other:?}")),
    }
}
