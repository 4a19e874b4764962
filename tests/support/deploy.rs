//! Reading the Kubernetes manifests in `deploy/` and checking SpinApps and
//! SpinAppExecutors against SpinKube's own CustomResourceDefinitions (copies
//! in `deploy/crd/`) without a cluster.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use serde::Deserialize;
use serde_json::Value as Json;
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

/// A copy of one of SpinKube's CustomResourceDefinitions in `deploy/crd/`:
/// a `# key: value` header saying where it came from, then the file as
/// released, unmodified.
pub struct CrdFile {
    pub file: PathBuf,
    /// The header's `key: value` lines (`repository`, `path`, `tag`, …).
    pub header: BTreeMap<String, String>,
    /// Everything below the header: the upstream file byte for byte.
    pub body: String,
    pub crd: Doc,
}

/// The CustomResourceDefinitions in `deploy/crd/`.
pub fn crd_files() -> Vec<CrdFile> {
    let mut files = Vec::new();
    collect(&repo_path("deploy/crd"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).unwrap();
            let header_len: usize = text.split_inclusive('\n').take_while(|l| l.starts_with('#')).map(str::len).sum();
            let (header, body) = text.split_at(header_len);
            let header = header
                .lines()
                .filter_map(|line| line.trim_start_matches('#').split_once(": "))
                .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
                .collect();
            let value = serde_yaml_ng::from_str(body).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            CrdFile { crd: Doc { file: file.clone(), value }, file, header, body: body.to_string() }
        })
        .collect()
}

/// Every way `doc` (a SpinApp or SpinAppExecutor) departs from the schema of
/// its CRD in `deploy/crd/`, at the version its `apiVersion` names, as
/// `path: problem` lines (JSON pointers into the document).
pub fn crd_violations(doc: &Doc) -> Vec<String> {
    let files = crd_files();
    let Some(crd) = files.iter().map(|f| &f.crd.value).find(|crd| crd["spec"]["names"]["kind"] == doc.kind()) else {
        return vec![format!("/kind: no CRD in deploy/crd/ for kind {:?}", doc.kind())];
    };
    let api_version = doc.value["apiVersion"].as_str().unwrap_or_default();
    let Some((group, version)) = api_version.split_once('/').filter(|(group, _)| crd["spec"]["group"] == *group) else {
        return vec![format!("/apiVersion: {api_version:?} is not in group {:?}", crd["spec"]["group"])];
    };
    let versions = crd["spec"]["versions"].as_sequence().into_iter().flatten();
    let Some(served) = versions.filter(|v| v["served"] == true).find(|v| v["name"] == version) else {
        return vec![format!("/apiVersion: {group} serves no version {version:?}")];
    };
    let mut schema: Json = serde_json::to_value(&served["schema"]["openAPIV3Schema"]).unwrap();
    as_the_api_server_applies_it(&mut schema);
    // OpenAPI v3.0 schemas, which CRDs use, are JSON Schema draft 4 plus
    // extensions.
    let validator = jsonschema::options().with_draft(jsonschema::Draft::Draft4).build(&schema).unwrap();
    let instance: Json = serde_json::to_value(&doc.value).expect("a manifest converts to JSON");
    validator
        .iter_errors(&instance)
        .map(|error| {
            let path = error.instance_path().to_string();
            format!("{}: {error}", if path.is_empty() { "/" } else { &path })
        })
        .collect()
}

/// Rewrites a CRD's structural schema into plain JSON Schema that rejects
/// what the API server would not keep.
///
/// Why: structural schemas leave `additionalProperties` unset, yet the API
/// server keeps no unknown field: it prunes them, or refuses the object when
/// the client asks for strict field validation (kubectl's default; other
/// clients get a warning at most). A field SpinKube does not have (a
/// `checks.startup`, a misspelt `replica`) would be lost or refused at deploy
/// time; that drift is what this check is for. So every object schema that lists
/// its `properties`, and neither sets `additionalProperties` nor keeps unknown
/// fields (`x-kubernetes-preserve-unknown-fields: true`), gets
/// `additionalProperties: false`. And `x-kubernetes-int-or-string: true`
/// (quantities, ports) takes an integer or a string whatever `type` says.
fn as_the_api_server_applies_it(schema: &mut Json) {
    let Some(schema) = schema.as_object_mut() else { return };
    let preserves_unknown = schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Json::Bool(true));
    if schema.contains_key("properties") && !schema.contains_key("additionalProperties") && !preserves_unknown {
        schema.insert("additionalProperties".into(), Json::Bool(false));
    }
    if schema.get("x-kubernetes-int-or-string") == Some(&Json::Bool(true)) {
        schema.insert("type".into(), serde_json::json!(["integer", "string"]));
    }
    // Only the keywords that hold schemas: `properties` maps field names, which
    // may be any word, to schemas; `default` and `enum` hold values.
    for (keyword, value) in schema.iter_mut() {
        match (keyword.as_str(), value) {
            ("properties", Json::Object(fields)) => fields.values_mut().for_each(as_the_api_server_applies_it),
            ("items" | "additionalProperties" | "not", value) => as_the_api_server_applies_it(value),
            ("allOf" | "anyOf" | "oneOf", Json::Array(schemas)) => {
                schemas.iter_mut().for_each(as_the_api_server_applies_it)
            }
            _ => {}
        }
    }
}
