//! Reading the Kubernetes manifests in `deploy/` and checking them against
//! the SpinApp schema (`core.spinkube.dev/v1alpha1`) without a cluster.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_yaml_ng::Value;

use crate::repo_path;

/// One YAML document of a manifest file.
#[derive(Debug, Clone)]
pub struct Doc {
    pub file: PathBuf,
    pub value: Value,
}

impl Doc {
    pub fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// `spec.components` of a SpinApp; `None` means every component.
    pub fn components(&self) -> Option<Vec<String>> {
        self.value["spec"]["components"]
            .as_sequence()
            .map(|list| list.iter().filter_map(|c| c.as_str().map(String::from)).collect())
    }

    /// The container environment spin-operator gives a SpinApp's pods:
    /// `SPIN_VARIABLE_<NAME>` for each of `spec.variables` (a literal `value`,
    /// or for `valueFrom` what `secret(name)` holds: the test's stand-in for
    /// the Secret; `None` leaves the variable unset), and
    /// `SPIN_COMPONENTS_TO_RETAIN` from `spec.components`.
    pub fn container_env(&self, secret: impl Fn(&str) -> Option<String>) -> Vec<(String, String)> {
        let mut env = Vec::new();
        for variable in self.value["spec"]["variables"].as_sequence().into_iter().flatten() {
            let name = variable["name"].as_str().expect("a variable has a name");
            let value = match variable["value"].as_str() {
                Some(literal) => Some(literal.to_string()),
                None => secret(name),
            };
            if let Some(value) = value {
                env.push((format!("SPIN_VARIABLE_{}", name.to_uppercase()), value));
            }
        }
        if let Some(components) = self.components() {
            env.push(("SPIN_COMPONENTS_TO_RETAIN".into(), components.join(",")));
        }
        env
    }

    /// The runtime config spin-operator renders from `spec.runtimeConfig`
    /// (literal option values only), or `None` when the SpinApp has none:
    /// `[sqlite_database.<name>]` with `type` and each option as a key.
    pub fn runtime_config(&self) -> Option<String> {
        let databases = self.value["spec"]["runtimeConfig"]["sqliteDatabases"].as_sequence()?;
        let mut toml = String::from("[[config_provider]]\ntype = \"env\"\nprefix = \"SPIN_VARIABLE_\"\n");
        for database in databases {
            let name = database["name"].as_str().expect("a database has a name");
            let kind = database["type"].as_str().expect("a database has a type");
            toml.push_str(&format!("\n[sqlite_database.{name}]\ntype = {kind:?}\n"));
            for option in database["options"].as_sequence().into_iter().flatten() {
                let key = option["name"].as_str().expect("an option has a name");
                let value = option["value"].as_str().expect("literal option values only");
                toml.push_str(&format!("{key} = {value:?}\n"));
            }
        }
        Some(toml)
    }

    /// `spec.resources.limits.memory` in bytes.
    pub fn memory_limit(&self) -> Option<u64> {
        let quantity = &self.value["spec"]["resources"]["limits"]["memory"];
        quantity.as_u64().or_else(|| quantity.as_str().map(bytes_of_quantity))
    }

    /// `(volume name, mountPath)` of each of `spec.volumeMounts`.
    pub fn volume_mounts(&self) -> Vec<(String, String)> {
        self.value["spec"]["volumeMounts"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|m| (m["name"].as_str().unwrap().to_string(), m["mountPath"].as_str().unwrap().to_string()))
            .collect()
    }
}

/// Every document of every `.yaml` file under `deploy/<dir>` (recursively).
pub fn documents(dir: &str) -> Vec<Doc> {
    let mut files = Vec::new();
    collect(&repo_path("deploy").join(dir), &mut files);
    files.sort();
    let mut docs = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for document in serde_yaml_ng::Deserializer::from_str(&text) {
            let value =
                Value::deserialize(document).unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", file.display()));
            if !value.is_null() {
                docs.push(Doc { file: file.clone(), value });
            }
        }
    }
    docs
}

/// A Kubernetes memory quantity in bytes: `384Mi`, `1Gi`, `500M`, `1000`.
pub fn bytes_of_quantity(quantity: &str) -> u64 {
    let units =
        [("Ki", 1u64 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("k", 1_000), ("M", 1_000_000), ("G", 1_000_000_000)];
    let (number, factor) = units
        .iter()
        .find_map(|(suffix, factor)| quantity.strip_suffix(suffix).map(|n| (n, *factor)))
        .unwrap_or((quantity, 1));
    number.parse::<u64>().unwrap_or_else(|_| panic!("not a memory quantity: {quantity}")) * factor
}

/// The SpinApps of `deploy/<dir>` (recursively).
pub fn spinapps(dir: &str) -> Vec<Doc> {
    documents(dir).into_iter().filter(|d| d.kind() == "SpinApp").collect()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push(path);
        }
    }
}

/// The shape of a field in a schema.
pub enum Schema {
    Str,
    Int,
    Bool,
    /// A Kubernetes quantity: `"100m"`, `"1"` or `1`.
    Quantity,
    /// A map of strings (annotations, labels).
    StrMap,
    /// A map of quantities (resource limits and requests).
    QuantityMap,
    /// Anything (Kubernetes core types the SpinApp passes through).
    Any,
    List(Box<Schema>),
    Object(Vec<(&'static str, Schema)>),
}

fn obj(fields: Vec<(&'static str, Schema)>) -> Schema {
    Schema::Object(fields)
}

fn list(item: Schema) -> Schema {
    Schema::List(Box::new(item))
}

fn health_check() -> Schema {
    use Schema::*;
    obj(vec![
        ("httpGet", obj(vec![("path", Str), ("httpHeaders", list(obj(vec![("name", Str), ("value", Str)])))])),
        ("initialDelaySeconds", Int),
        ("timeoutSeconds", Int),
        ("periodSeconds", Int),
        ("successThreshold", Int),
        ("failureThreshold", Int),
    ])
}

/// `SpinApp.spec` of `core.spinkube.dev/v1alpha1`.
pub fn spinapp_spec() -> Schema {
    use Schema::*;
    let key_ref = || obj(vec![("name", Str), ("key", Str), ("optional", Bool)]);
    obj(vec![
        ("image", Str),
        ("executor", Str),
        ("replicas", Int),
        ("enableAutoscaling", Bool),
        ("resources", obj(vec![("limits", QuantityMap), ("requests", QuantityMap)])),
        ("checks", obj(vec![("liveness", health_check()), ("readiness", health_check())])),
        (
            "variables",
            list(obj(vec![
                ("name", Str),
                ("value", Str),
                ("valueFrom", obj(vec![("secretKeyRef", key_ref()), ("configMapKeyRef", key_ref())])),
            ])),
        ),
        (
            "runtimeConfig",
            obj(vec![("loadFromSecret", Str), ("sqliteDatabases", list(Any)), ("keyValueStores", list(Any))]),
        ),
        ("components", list(Str)),
        ("volumes", list(Any)),
        ("volumeMounts", list(Any)),
        ("serviceAnnotations", StrMap),
        ("podAnnotations", StrMap),
        ("podLabels", StrMap),
        ("deploymentAnnotations", StrMap),
        ("imagePullSecrets", list(Any)),
        ("serviceAccountName", Str),
        ("invocationLimits", obj(vec![("memory", Quantity)])),
    ])
}

/// `SpinAppExecutor.spec`.
pub fn executor_spec() -> Schema {
    use Schema::*;
    obj(vec![
        ("createDeployment", Bool),
        (
            "deploymentConfig",
            obj(vec![
                ("runtimeClassName", Str),
                ("installDefaultCACerts", Bool),
                ("caCertSecret", Str),
                ("spinImage", Str),
            ]),
        ),
    ])
}

/// Every way `value` departs from `schema`, as `path: problem` lines.
pub fn violations(value: &Value, schema: &Schema, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fail = |what: &str| out.push(format!("{path}: {what}, found {value:?}"));
    match schema {
        Schema::Any => {}
        Schema::Str => {
            if !value.is_string() {
                fail("expected a string")
            }
        }
        Schema::Int => {
            if !value.is_i64() && !value.is_u64() {
                fail("expected an integer")
            }
        }
        Schema::Bool => {
            if !value.is_bool() {
                fail("expected a boolean")
            }
        }
        Schema::Quantity => {
            if !(value.is_string() || value.is_i64() || value.is_u64()) {
                fail("expected a quantity")
            }
        }
        Schema::StrMap | Schema::QuantityMap => match value.as_mapping() {
            None => fail("expected a map"),
            Some(map) => {
                for (k, v) in map {
                    let ok = k.is_string()
                        && match schema {
                            Schema::StrMap => v.is_string(),
                            _ => v.is_string() || v.is_i64() || v.is_u64(),
                        };
                    if !ok {
                        out.push(format!("{path}.{k:?}: unexpected value {v:?}"));
                    }
                }
            }
        },
        Schema::List(item) => match value.as_sequence() {
            None => fail("expected a list"),
            Some(items) => {
                for (i, v) in items.iter().enumerate() {
                    out.extend(violations(v, item, &format!("{path}[{i}]")));
                }
            }
        },
        Schema::Object(fields) => match value.as_mapping() {
            None => fail("expected an object"),
            Some(map) => {
                for (k, v) in map {
                    let key = k.as_str().unwrap_or_default();
                    match fields.iter().find(|(name, _)| *name == key) {
                        Some((_, field)) => out.extend(violations(v, field, &format!("{path}.{key}"))),
                        None => out.push(format!("{path}.{key}: no such field in the schema")),
                    }
                }
            }
        },
    }
    out
}
