//! Which spin.toml capability each host interface needs. A component may only
//! import what its manifest entry grants, and should be granted only what it
//! imports.

use std::collections::BTreeSet;

/// A capability a component's `[component.*]` entry grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Capability {
    /// `sqlite_databases`
    Sqlite,
    /// `allowed_outbound_hosts` with a `postgres://` host
    OutboundPostgres,
    /// `allowed_outbound_hosts` with another scheme (HTTP, MySQL, Redis, sockets)
    OutboundOther,
    /// `variables`
    Variables,
    /// `key_value_stores`
    KeyValue,
    /// `ai_models`
    Ai,
}

/// The capability an imported interface needs, if any. Versions are ignored:
/// `spin:postgres/postgres@4.0.0` is `spin:postgres/postgres`.
pub fn needed_by(import: &str) -> Option<Capability> {
    let name = import.split('@').next().unwrap_or(import);
    Some(match name {
        "fermyon:spin/sqlite" | "spin:sqlite/sqlite" => Capability::Sqlite,
        "fermyon:spin/postgres" | "spin:postgres/postgres" => Capability::OutboundPostgres,
        "fermyon:spin/mysql"
        | "spin:mysql/mysql"
        | "fermyon:spin/redis"
        | "fermyon:spin/http"
        | "wasi:http/outgoing-handler"
        | "wasi:http/client" => Capability::OutboundOther,
        n if n.starts_with("wasi:sockets/") && n != "wasi:sockets/network" => Capability::OutboundOther,
        "fermyon:spin/variables" | "spin:variables/variables" | "fermyon:spin/config" | "wasi:config/store" => {
            Capability::Variables
        }
        "fermyon:spin/key-value" | "spin:key-value/key-value" => Capability::KeyValue,
        n if n.starts_with("wasi:keyvalue/") => Capability::KeyValue,
        "fermyon:spin/llm" => Capability::Ai,
        _ => return None,
    })
}

/// The capabilities a spin.toml component entry grants.
pub fn granted_by(entry: &toml::Table) -> BTreeSet<Capability> {
    let mut granted = BTreeSet::new();
    let non_empty = |key: &str| {
        entry
            .get(key)
            .is_some_and(|v| v.as_array().is_none_or(|a| !a.is_empty()) && v.as_table().is_none_or(|t| !t.is_empty()))
    };
    if non_empty("sqlite_databases") {
        granted.insert(Capability::Sqlite);
    }
    if non_empty("variables") {
        granted.insert(Capability::Variables);
    }
    if non_empty("key_value_stores") {
        granted.insert(Capability::KeyValue);
    }
    if non_empty("ai_models") {
        granted.insert(Capability::Ai);
    }
    for host in entry.get("allowed_outbound_hosts").and_then(|v| v.as_array()).into_iter().flatten() {
        let host = host.as_str().unwrap_or_default();
        // A template such as "{{ database_host }}" is checked against the
        // variable's default, which is what Spin validates at load time.
        let scheme_of = |h: &str| h.split("://").next().unwrap_or_default().to_string();
        let scheme = match host.trim().strip_prefix("{{").and_then(|h| h.strip_suffix("}}")) {
            Some(var) => {
                crate::manifest::manifest().variables[var.trim()]["default"].as_str().map(scheme_of).unwrap_or_default()
            }
            None => scheme_of(host),
        };
        granted.insert(if scheme == "postgres" { Capability::OutboundPostgres } else { Capability::OutboundOther });
    }
    granted
}

/// What is wrong between a component's imports and its grants: imports
/// without a grant, and grants no import uses.
pub fn mismatches(imports: &[String], entry: &toml::Table) -> Vec<String> {
    let granted = granted_by(entry);
    let needed: BTreeSet<Capability> = imports.iter().filter_map(|i| needed_by(i)).collect();
    let mut problems = Vec::new();
    for import in imports {
        if let Some(cap) = needed_by(import).filter(|cap| !granted.contains(cap)) {
            problems.push(format!("imports {import} without a {cap:?} grant"));
        }
    }
    for cap in granted.difference(&needed) {
        problems.push(format!("is granted {cap:?} but imports nothing that uses it"));
    }
    problems
}
