//! Records of every module in one table, and this crate's part of the
//! schema. Plain SQL; the module's own fields are JSON text in `data`.

use mewayz_domain::Page;
use mewayz_store::{Db, Migration, Row, StoreError, Value};
use mewayz_time::{new_id, now};
use serde_json::{Map, Value as Json};

use crate::spec::{Derived, LONGEST_SPAN_MINUTES, ModuleSpec};

/// The resource core's part of the schema, applied by the request that first
/// needs it (see `mewayz_store::migrations`). A record, its tags and its
/// link clicks go with their workspace, and tags and clicks with their
/// record, by the foreign keys' cascades.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 2,
    name: "business module records",
    statements: &[
        // One table for every module's records: the module's fields live in
        // `data` (JSON text); what queries filter on is in plain columns.
        "CREATE TABLE records (
            id TEXT PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
            module TEXT NOT NULL,
            status TEXT NOT NULL,
            search_text TEXT NOT NULL DEFAULT '',
            unique_key TEXT,
            ref_id TEXT,
            starts_at BIGINT,
            ends_at BIGINT,
            data TEXT NOT NULL,
            visits BIGINT NOT NULL DEFAULT 0,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            UNIQUE (module, unique_key)
        )",
        "CREATE INDEX records_by_workspace ON records (workspace_id, module, created_at)",
        "CREATE INDEX records_by_ref ON records (module, ref_id, starts_at)",
        "CREATE TABLE record_tags (
            record_id TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (record_id, tag)
        )",
        "CREATE INDEX record_tags_by_tag ON record_tags (tag)",
        "CREATE TABLE link_clicks (
            record_id TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
            link_id TEXT NOT NULL,
            clicks BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (record_id, link_id)
        )",
    ],
}];

#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub workspace_id: String,
    pub status: String,
    pub data: Map<String, Json>,
    pub visits: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Clicks per link id, for modules with links (see [`attach_clicks`]).
    pub clicks: Vec<(String, i64)>,
}

impl Record {
    /// The API view: id, workspace, the module's fields, status, timestamps.
    pub fn to_json(&self, spec: &ModuleSpec) -> Json {
        let mut out = Map::new();
        out.insert("id".into(), self.id.clone().into());
        out.insert("workspace_id".into(), self.workspace_id.clone().into());
        out.extend(self.data.clone());
        out.insert("status".into(), self.status.clone().into());
        out.insert("created_at".into(), self.created_at.into());
        out.insert("updated_at".into(), self.updated_at.into());
        if let Some(present) = spec.present {
            present(self, &mut out);
        }
        Json::Object(out)
    }
}

const COLUMNS: &str = "id, workspace_id, status, data, visits, created_at, updated_at";
/// How many columns `COLUMNS` names: the index of a column after them.
const COLUMN_COUNT: usize = 7;

fn record(row: &Row) -> Result<Record, StoreError> {
    Ok(Record {
        id: row.text(0)?,
        workspace_id: row.text(1)?,
        status: row.text(2)?,
        data: serde_json::from_str(&row.text(3)?)
            .map_err(|e| StoreError::Corrupt(format!("record data is not a JSON object: {e}")))?,
        visits: row.int(4)?,
        created_at: row.int(5)?,
        updated_at: row.int(6)?,
        clicks: Vec::new(),
    })
}

/// What a list asks for besides the page.
#[derive(Debug, Default)]
pub struct Filter {
    pub q: Option<String>,
    pub status: Option<String>,
    pub tag: Option<String>,
}

pub async fn insert(
    db: &Db,
    spec: &ModuleSpec,
    workspace_id: &str,
    data: &Map<String, Json>,
    derived: &Derived,
) -> Result<Record, StoreError> {
    let now = now();
    let record = Record {
        id: new_id(),
        workspace_id: workspace_id.into(),
        status: (spec.status_of)(data),
        data: data.clone(),
        visits: 0,
        created_at: now,
        updated_at: now,
        clicks: Vec::new(),
    };
    db.execute(
        "INSERT INTO records (status, search_text, unique_key, ref_id, starts_at, ends_at, data,
                              id, workspace_id, module, visits, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $11)",
        &[
            &derived_columns(spec, data, derived)[..],
            &[record.id.clone().into(), workspace_id.into(), spec.name.into(), now.into()],
        ]
        .concat(),
    )
    .await?;
    set_tags(db, &record.id, data).await?;
    Ok(record)
}

pub async fn update(
    db: &Db,
    spec: &ModuleSpec,
    id: &str,
    data: &Map<String, Json>,
    derived: &Derived,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE records SET status = $1, search_text = $2, unique_key = $3, ref_id = $4, starts_at = $5, ends_at = $6,
                            data = $7, updated_at = $9
         WHERE id = $8",
        &[&derived_columns(spec, data, derived)[..], &[id.into(), now().into()]].concat(),
    )
    .await?;
    db.execute("DELETE FROM record_tags WHERE record_id = $1", &[id.into()]).await?;
    set_tags(db, id, data).await
}

/// `status, search_text, unique_key, ref_id, starts_at, ends_at, data`: the
/// columns a write derives from a record's data, in that order ($1–$7).
fn derived_columns(spec: &ModuleSpec, data: &Map<String, Json>, derived: &Derived) -> [Value; 7] {
    [
        (spec.status_of)(data).into(),
        spec.search_text(data).into(),
        spec.unique_key(data).into(),
        derived.ref_id.clone().into(),
        derived.starts_at.into(),
        derived.ends_at.into(),
        Json::Object(data.clone()).to_string().into(),
    ]
}

/// Whether a write of `data` inserts tags too (more than one statement).
pub fn has_tags(data: &Map<String, Json>) -> bool {
    data.get("tags").and_then(Json::as_array).is_some_and(|tags| !tags.is_empty())
}

async fn set_tags(db: &Db, id: &str, data: &Map<String, Json>) -> Result<(), StoreError> {
    for tag in data.get("tags").and_then(Json::as_array).into_iter().flatten().filter_map(Json::as_str) {
        db.execute("INSERT INTO record_tags (record_id, tag) VALUES ($1, $2)", &[id.into(), tag.into()]).await?;
    }
    Ok(())
}

/// A record of `module` in `workspace_id`, or `None`.
pub async fn get(db: &Db, spec: &ModuleSpec, workspace_id: &str, id: &str) -> Result<Option<Record>, StoreError> {
    let rows = db
        .query(
            &format!("SELECT {COLUMNS} FROM records WHERE id = $1 AND workspace_id = $2 AND module = $3"),
            &[id.into(), workspace_id.into(), spec.name.into()],
        )
        .await?;
    rows.first().map(record).transpose()
}

/// Deletes a record; its tags and link clicks cascade.
pub async fn delete(db: &Db, id: &str) -> Result<(), StoreError> {
    db.execute("DELETE FROM records WHERE id = $1", &[id.into()]).await
}

/// A page of records, newest first, and how many match in all.
pub async fn list(
    db: &Db,
    spec: &ModuleSpec,
    workspace_id: &str,
    filter: &Filter,
    page: Page,
) -> Result<(Vec<Record>, i64), StoreError> {
    let mut conditions = String::from("workspace_id = $1 AND module = $2");
    let mut params: Vec<Value> = vec![workspace_id.into(), spec.name.into()];
    if let Some(status) = &filter.status {
        params.push(status.clone().into());
        conditions.push_str(&format!(" AND status = ${}", params.len()));
    }
    if let Some(q) = &filter.q {
        // LIKE wildcards in the query are matched literally.
        let escaped = q.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        params.push(format!("%{escaped}%").into());
        conditions.push_str(&format!(" AND search_text LIKE ${} ESCAPE '\\'", params.len()));
    }
    if let Some(tag) = &filter.tag {
        params.push(tag.to_lowercase().into());
        conditions.push_str(&format!(" AND id IN (SELECT record_id FROM record_tags WHERE tag = ${})", params.len()));
    }
    let n = params.len();
    params.push(i64::from(page.limit).into());
    params.push(page.offset_i64().into());
    // The page and the count in one round trip. The count is a subquery
    // that the database runs once, on the index, not a window over the
    // matching rows (COUNT(*) OVER () reads every one of them: 4× slower at
    // a few thousand records).
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS}, (SELECT COUNT(*) FROM records WHERE {conditions}) FROM records WHERE {conditions}
             ORDER BY created_at DESC, id LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            ),
            &params,
        )
        .await?;
    params.truncate(n);
    let total = match rows.first() {
        Some(row) => row.int(COLUMN_COUNT)?,
        None if page.offset == 0 => 0,
        // A page past the end has no row to carry the count.
        None => {
            Row::single_int(&db.query(&format!("SELECT COUNT(*) FROM records WHERE {conditions}"), &params).await?)?
        }
    };
    Ok((rows.iter().map(record).collect::<Result<_, _>>()?, total))
}

/// `(status, count)` for every status present.
pub async fn count_by_status(db: &Db, spec: &ModuleSpec, workspace_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = db.query(
        "SELECT status, COUNT(*) FROM records WHERE workspace_id = $1 AND module = $2 GROUP BY status ORDER BY status",
        &[workspace_id.into(), spec.name.into()],
    ).await?;
    rows.iter().map(|row| Ok((row.text(0)?, row.int(1)?))).collect()
}

/// How many records of `module` referencing `ref_id` overlap `[starts_at, ends_at)`
/// and are not in one of `inactive` statuses. No record spans longer than
/// [`LONGEST_SPAN_MINUTES`], so one that overlaps starts less than that
/// before `starts_at`: the index on `(module, ref_id, starts_at)` is read
/// for that window only, however many records came before it.
pub async fn count_overlapping(
    db: &Db,
    module: &str,
    ref_id: &str,
    starts_at: i64,
    ends_at: i64,
    except_id: Option<&str>,
    inactive: &str,
) -> Result<i64, StoreError> {
    let rows = db
        .query(
            "SELECT COUNT(*) FROM records
         WHERE module = $1 AND ref_id = $2 AND starts_at > $7 AND starts_at < $4 AND ends_at > $3
           AND status <> $5 AND id <> $6",
            &[
                module.into(),
                ref_id.into(),
                starts_at.into(),
                ends_at.into(),
                inactive.into(),
                except_id.unwrap_or("").into(),
                (starts_at - LONGEST_SPAN_MINUTES * 60).into(),
            ],
        )
        .await?;
    Row::single_int(&rows)
}

/// A record of any module by id within a workspace, locked for the rest of
/// the transaction on PostgreSQL (writers that depend on it queue).
pub async fn get_for_update(db: &Db, module: &str, workspace_id: &str, id: &str) -> Result<Option<Record>, StoreError> {
    let lock = if db.backend() == mewayz_store::Backend::Postgres { " FOR UPDATE" } else { "" };
    let rows = db
        .query(
            &format!("SELECT {COLUMNS} FROM records WHERE id = $1 AND workspace_id = $2 AND module = $3{lock}"),
            &[id.into(), workspace_id.into(), module.into()],
        )
        .await?;
    rows.first().map(record).transpose()
}

/// A published record by its public unique key (a bio site's slug).
pub async fn find_public(db: &Db, module: &str, key: &str) -> Result<Option<Record>, StoreError> {
    let rows = db
        .query(
            &format!("SELECT {COLUMNS} FROM records WHERE module = $1 AND unique_key = $2"),
            &[module.into(), key.into()],
        )
        .await?;
    rows.first().map(record).transpose()
}

pub async fn count_visit(db: &Db, id: &str) -> Result<(), StoreError> {
    db.execute("UPDATE records SET visits = visits + 1 WHERE id = $1", &[id.into()]).await
}

pub async fn count_click(db: &Db, id: &str, link_id: &str) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO link_clicks (record_id, link_id, clicks) VALUES ($1, $2, 1)
         ON CONFLICT (record_id, link_id) DO UPDATE SET clicks = link_clicks.clicks + 1",
        &[id.into(), link_id.into()],
    )
    .await
}

/// Fills in each record's link clicks, in one query.
pub async fn attach_clicks(db: &Db, records: &mut [Record]) -> Result<(), StoreError> {
    let Some(first) = records.first() else { return Ok(()) };
    let rows = db
        .query(
            "SELECT c.record_id, c.link_id, c.clicks FROM link_clicks c JOIN records r ON r.id = c.record_id
         WHERE r.workspace_id = $1",
            &[first.workspace_id.clone().into()],
        )
        .await?;
    for record in records.iter_mut() {
        let mut clicks = Vec::new();
        for row in &rows {
            if row.text(0)? == record.id {
                clicks.push((row.text(1)?, row.int(2)?));
            }
        }
        record.clicks = clicks.into_iter().collect();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_records_part_of_the_schema_is_well_formed() {
        assert_eq!(mewayz_store::check_part(super::MIGRATIONS, &[mewayz_store::MIGRATIONS]), Ok(()));
    }

    #[test]
    fn the_column_count_is_the_columns_named() {
        assert_eq!(super::COLUMNS.split(',').count(), super::COLUMN_COUNT);
    }
}
