//! The probe component in an embedded wasmtime with an **empty** linker: if the
//! component needed anything from its host, instantiation would fail.

use wasmtime::{
    Config, Engine, Store,
    component::{Component, Linker},
};

wasmtime::component::bindgen!({
    path: "../wit/probe",
    world: "probe",
});

pub use exports::fermyon::spin::inbound_http::{Method, Request, Response};

/// A compiled inbound-http component, instantiated afresh for every request as
/// Spin does.
pub struct InboundHttp {
    engine: Engine,
    component: Component,
    linker: Linker<()>,
}

impl InboundHttp {
    pub fn new(wasm: &[u8]) -> wasmtime::Result<Self> {
        let engine = Engine::new(&Config::new())?;
        let component = Component::new(&engine, wasm)?;
        Ok(Self { linker: Linker::new(&engine), engine, component })
    }

    pub fn handle(&self, request: &Request) -> wasmtime::Result<Response> {
        let mut store = Store::new(&self.engine, ());
        let probe = Probe::instantiate(&mut store, &self.component, &self.linker)?;
        probe.fermyon_spin_inbound_http().call_handle_request(&mut store, request)
    }
}

/// A request as Spin builds it: the path and query as `uri`, no params.
pub fn request(method: Method, uri: &str) -> Request {
    Request {
        method,
        uri: uri.to_string(),
        headers: vec![("user-agent".into(), "kube-probe/1.31".into())],
        params: vec![],
        body: Some(vec![]),
    }
}

pub const ALL_METHODS: [Method; 7] =
    [Method::Get, Method::Head, Method::Post, Method::Put, Method::Delete, Method::Patch, Method::Options];

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().flatten().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}
