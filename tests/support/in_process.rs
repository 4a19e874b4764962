//! The app's feature components called in the test process, as Spin calls
//! them: each routed to the component spin.toml routes the path to, through
//! the same entry (`mewayz_api::service::serve_native`, as the WASI P3 entry
//! in Spin), with the variables, SQLite database and PostgreSQL hosts that
//! component's spin.toml entry grants it, on real databases.
//!
//! A component instance is a thread with its grants installed: its
//! thread-locals (configuration, kept connections) live as long as the
//! instance, as a reused WASI P3 instance's memory does in Spin. Calls made
//! at the same time run on instances of their own, as Spin runs them.

use std::{
    collections::HashMap,
    future::Future,
    path::PathBuf,
    pin::Pin,
    sync::{Mutex, mpsc},
    thread::JoinHandle,
    time::Duration,
};

use mewayz_api::http::{Method, Request, Response};
use mewayz_manifest::{Manifest, Route};
use mewayz_native_host::Grants;

use crate::{http::Reply, repo_root};

/// A component's handler: `async fn(Request) -> Response`.
type Service = fn(Request) -> Pin<Box<dyn Future<Output = Response>>>;

/// How a component's requests are answered.
#[derive(Clone, Copy)]
enum Handler {
    /// Through the WASI P3 entry's native twin, on an instance thread.
    Service(Service),
    /// The status route (a WASI P2 component): `mewayz_status::answer`
    /// with the component's variables and its chained call.
    Status,
}

/// The handler built from each component crate (its folder in src/). The
/// docs' component (an embedded document) is served only by Spin.
fn handler_of(crate_dir: &str) -> Option<Handler> {
    if crate_dir == "status" {
        return Some(Handler::Status);
    }
    let service: Service = match crate_dir {
        "accounts" => |r| Box::pin(mewayz_accounts::handle(r)),
        "sessions" => |r| Box::pin(mewayz_sessions::handle(r)),
        "workspaces" => |r| Box::pin(mewayz_workspaces::handle(r)),
        "members" => |r| Box::pin(mewayz_members::handle(r)),
        "invitations" => |r| Box::pin(mewayz_invitations::handle(r)),
        "bio-sites" => |r| Box::pin(mewayz_bio_sites::handle(r)),
        "contacts" => |r| Box::pin(mewayz_contacts::handle(r)),
        "products" => |r| Box::pin(mewayz_products::handle(r)),
        "services" => |r| Box::pin(mewayz_services::handle(r)),
        "bookings" => |r| Box::pin(mewayz_bookings::handle(r)),
        "public-pages" => |r| Box::pin(mewayz_public_pages::handle(r)),
        "status-database" => |r| Box::pin(mewayz_status_database::handle(r)),
        "probe" => |r| Box::pin(async move { probe(r) }),
        _ => return None,
    };
    Some(Handler::Service(service))
}

/// What the status component's chained call reaches, as spin.toml's
/// private route names it.
const STATUS_DATABASE: &str = "status-database";

/// The status component's runtime: its variables, and its GET to
/// `status-database` through this app, refused unless spin.toml lets it
/// reach that host (as Spin refuses it).
struct StatusHost<'a> {
    app: &'a InProcessApp,
    grants: &'a Grants,
    outbound: &'a [String],
}

impl mewayz_status::answer::Host for StatusHost<'_> {
    fn variable(&self, name: &str) -> String {
        self.grants.variables.iter().find(|(n, _)| n == name).map(|(_, value)| value.clone()).unwrap_or_default()
    }

    fn check_database(&self, budget: Duration) -> Result<(u16, Vec<u8>), String> {
        let host = format!("http://{STATUS_DATABASE}.spin.internal");
        if !self.outbound.contains(&host) {
            return Err(format!("request refused: HttpRequestDenied ({host} is not an allowed outbound host)"));
        }
        let request = Request::new(Method::new("GET"), "/", vec![], vec![]);
        let response = self
            .app
            .call_within(STATUS_DATABASE, request, budget)
            .ok_or_else(|| format!("no answer within {} ms", budget.as_millis()))?;
        Ok((response.status(), response.into_body()))
    }
}

/// The probe components' answer, from the same routes the zero-import
/// component serves.
fn probe(request: Request) -> Response {
    use mewayz_probe::routes::{Method as M, respond};
    let method = match request.method().as_str() {
        "GET" => M::Get,
        "HEAD" => M::Head,
        "POST" => M::Post,
        "PUT" => M::Put,
        "DELETE" => M::Delete,
        "PATCH" => M::Patch,
        _ => M::Options,
    };
    let reply = respond(method, request.path());
    let mut response = Response::builder();
    response.status(reply.status);
    for (name, value) in reply.headers() {
        response.header(name, value);
    }
    response.body(reply.body.unwrap_or_default()).build()
}

/// The app's components in this process, on one database.
pub struct InProcessApp {
    /// Each public route of spin.toml with its component, read once.
    routes: Vec<(Route, String)>,
    /// What each component is granted, by component id: its handler, what
    /// an instance gets, its outbound hosts as spin.toml lists them.
    grants: HashMap<String, (Handler, Grants, Vec<String>)>,
    /// Idle instances, by component id.
    idle: Mutex<HashMap<String, Vec<Instance>>>,
    /// Spin's state directory: the SQLite `default` database's file.
    state: tempfile::TempDir,
}

/// One component instance: a thread serving one request at a time.
struct Instance {
    requests: mpsc::Sender<(Request, mpsc::Sender<Response>)>,
    thread: JoinHandle<()>,
}

impl InProcessApp {
    /// The app with the application variables spin.toml defaults, `vars`
    /// (`SPIN_VARIABLE_NAME`, value) set over them, as `spin up` reads them.
    pub fn start(vars: &[(String, String)]) -> Self {
        let root = repo_root();
        let manifest = Manifest::load(root).unwrap_or_else(|e| panic!("{e}"));
        let state = tempfile::Builder::new().prefix("mewayz-in-process-").tempdir().expect("a state directory");
        let mut values: HashMap<String, String> = manifest
            .variables
            .iter()
            .map(|(name, spec)| {
                let default = spec.get("default").and_then(|d| d.as_str()).unwrap_or_default();
                (name.clone(), default.to_string())
            })
            .collect();
        for (name, value) in vars {
            let name = name.strip_prefix("SPIN_VARIABLE_").unwrap_or_else(|| panic!("{name}: not SPIN_VARIABLE_*"));
            values.insert(name.to_ascii_lowercase(), value.clone());
        }
        let sqlite_file = state.path().join("sqlite_db.db");
        let mut grants = HashMap::new();
        for (id, component) in &manifest.component {
            let crate_dir = manifest.crate_of(id).unwrap_or_else(|e| panic!("{e}"));
            let Some(handler) = handler_of(crate_dir) else { continue };
            let (granted, outbound) = component_grants(component, &values, &sqlite_file);
            grants.insert(id.clone(), (handler, granted, outbound));
        }
        let routes = manifest.public_routes().unwrap_or_else(|e| panic!("{e}"));
        let routes = routes.into_iter().map(|(route, component)| (route, component.to_string())).collect();
        InProcessApp { routes, grants, idle: Mutex::new(HashMap::new()), state }
    }

    /// The SQLite `default` database's file (it exists once a component
    /// opened it).
    pub fn sqlite_file(&self) -> PathBuf {
        self.state.path().join("sqlite_db.db")
    }

    /// Sends one request as a client on `peer` would, through the component
    /// spin.toml routes its path to. A path no component serves is Spin's
    /// empty 404; a component this process cannot run fails the test.
    pub fn send(&self, method: &str, target: &str, headers: &[(&str, &str)], body: Vec<u8>, peer: &str) -> Reply {
        let path = target.split_once('?').map_or(target, |(path, _)| path);
        let matched = mewayz_manifest::route::serving(self.routes.iter().map(|(r, c)| (r, c)), path);
        let Some((route, component)) = matched else {
            return reply(Response::builder().status(404).build(), method);
        };
        let route = route.as_str().to_string();
        let mut all: Vec<(String, Vec<u8>)> =
            headers.iter().map(|(name, value)| (name.to_string(), value.as_bytes().to_vec())).collect();
        // What Spin adds to every request it hands a component.
        all.extend(
            [
                ("host", "127.0.0.1:3000".to_string()),
                ("spin-client-addr", peer.to_string()),
                ("spin-full-url", format!("http://127.0.0.1:3000{target}")),
                ("spin-matched-route", route),
            ]
            .map(|(name, value)| (name.to_string(), value.into_bytes())),
        );
        let request = Request::new(Method::new(method), target, all, body);
        reply(self.call(component, request), method)
    }

    /// Runs `request` on an idle instance of `component`, or a new one.
    fn call(&self, component: &str, request: Request) -> Response {
        let (handler, grants, outbound) = self.component(component);
        match handler {
            Handler::Status => {
                let authorization = request.header("authorization").map(str::to_string);
                let host = StatusHost { app: self, grants, outbound };
                let answer = mewayz_status::answer::respond(
                    request.method().as_str(),
                    request.query(),
                    authorization.as_deref(),
                    &host,
                );
                let mut response = Response::builder();
                response.status(answer.status);
                for (name, value) in answer.headers {
                    response.header(name, value);
                }
                response.body(answer.body).build()
            }
            Handler::Service(_) => self
                .call_within(component, request, Duration::MAX)
                .unwrap_or_else(|| unreachable!("an instance answers or traps")),
        }
    }

    fn component(&self, component: &str) -> &(Handler, Grants, Vec<String>) {
        self.grants
            .get(component)
            .unwrap_or_else(|| panic!("component {component} has no in-process handler: it is tested on Spin"))
    }

    /// Runs `request` on an idle instance of the service `component`, or a
    /// new one; `None` if it has not answered within `budget` (the instance
    /// finishes on its own and is not reused).
    fn call_within(&self, component: &str, request: Request, budget: Duration) -> Option<Response> {
        let (Handler::Service(service), grants, _) = self.component(component) else {
            panic!("component {component} is not a service")
        };
        let idle = self.idle.lock().unwrap().get_mut(component).and_then(Vec::pop);
        let instance = idle.unwrap_or_else(|| Instance::start(component, *service, grants.clone()));
        let (answer, answered) = mpsc::channel();
        instance.requests.send((request, answer)).expect("an instance takes requests");
        match answered.recv_timeout(budget) {
            Ok(response) => {
                self.idle.lock().unwrap().entry(component.to_string()).or_default().push(instance);
                Some(response)
            }
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            // The handler panicked: a trap in Spin, whose instance is dropped.
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let panic = instance.thread.join().err();
                let why = panic.as_ref().and_then(|p| p.downcast_ref::<String>().cloned()).unwrap_or_default();
                panic!("component {component} trapped (panicked): {why}");
            }
        }
    }
}

impl Instance {
    fn start(component: &str, handler: Service, grants: Grants) -> Instance {
        let (requests, incoming) = mpsc::channel::<(Request, mpsc::Sender<Response>)>();
        let thread = std::thread::Builder::new()
            .name(format!("instance of {component}"))
            .spawn(move || {
                mewayz_native_host::install(grants);
                for (request, answer) in incoming {
                    let response = pollster::block_on(mewayz_api::service::serve_native(request, handler));
                    let _ = answer.send(response);
                }
            })
            .expect("starting an instance thread");
        Instance { requests, thread }
    }
}

impl Drop for InProcessApp {
    /// Every instance ends (its connections closed) before the database goes.
    fn drop(&mut self) {
        let instances: Vec<Instance> =
            self.idle.get_mut().map(|idle| idle.drain().flat_map(|(_, list)| list).collect()).unwrap_or_default();
        for Instance { requests, thread } in instances {
            drop(requests);
            let _ = thread.join();
        }
    }
}

/// What spin.toml's entry for a component grants it: its variables (each
/// `{{ name }}` replaced by the application variable's value), the SQLite
/// `default` database if it names it, its PostgreSQL outbound hosts; and
/// all its outbound hosts.
fn component_grants(
    component: &toml::Table,
    values: &HashMap<String, String>,
    sqlite_file: &std::path::Path,
) -> (Grants, Vec<String>) {
    let resolve = |template: &str| -> String {
        let mut out = template.to_string();
        for (name, value) in values {
            out = out.replace(&format!("{{{{ {name} }}}}"), value);
        }
        out
    };
    let variables = component
        .get("variables")
        .and_then(|v| v.as_table())
        .map(|table| {
            table
                .iter()
                .map(|(name, template)| (name.clone(), resolve(template.as_str().unwrap_or_default())))
                .collect()
        })
        .unwrap_or_default();
    let strings = |key: &str| -> Vec<String> {
        component
            .get(key)
            .and_then(|v| v.as_array())
            .map(|list| list.iter().filter_map(|v| v.as_str()).map(resolve).collect())
            .unwrap_or_default()
    };
    let outbound = strings("allowed_outbound_hosts");
    let grants = Grants {
        variables,
        sqlite_default: strings("sqlite_databases").iter().any(|d| d == "default").then(|| sqlite_file.to_path_buf()),
        postgres_hosts: outbound.iter().filter(|h| h.starts_with("postgres://")).cloned().collect(),
    };
    (grants, outbound)
}

/// The answer as a client reads it: no body for HEAD (Spin sends the
/// headers only).
fn reply(response: Response, method: &str) -> Reply {
    let mut headers = ureq::http::HeaderMap::new();
    for (name, value) in response.headers() {
        if let (Ok(name), Ok(value)) =
            (ureq::http::HeaderName::from_bytes(name.as_bytes()), ureq::http::HeaderValue::from_str(value))
        {
            headers.append(name, value);
        }
    }
    let status = response.status();
    let body = if method == "HEAD" { Vec::new() } else { response.into_body() };
    Reply { status, headers, body }
}
