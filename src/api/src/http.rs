//! A request and a response as the feature components see them: whole,
//! in memory, and the same whichever Spin SDK delivered them. The entry
//! (`service`) converts from and to the SDK's types; routes, errors, CORS
//! and their tests never meet an SDK type, so the choice of Spin generation
//! stays in one place.

/// A request's method. Routes compare it by name (`ApiRequest::method_is`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method(String);

impl Method {
    pub fn new(name: impl Into<String>) -> Self {
        Method(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A request whose body has been read (up to the size limit: see `service`).
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    path: String,
    query: String,
    /// Names lower-cased; values as sent.
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl Request {
    /// `path_and_query` as in the request line: `/api/x?limit=5`.
    pub fn new(method: Method, path_and_query: &str, headers: Vec<(String, Vec<u8>)>, body: Vec<u8>) -> Self {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let headers = headers.into_iter().map(|(name, value)| (name.to_ascii_lowercase(), value)).collect();
        Request { method, path: path.to_string(), query: query.to_string(), headers, body }
    }

    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The same request with another method (HEAD is served as GET).
    pub fn with_method(self, method: Method) -> Self {
        Request { method, ..self }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query string without its `?`; empty if none.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The first value of header `name` (any case), if it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, value)| std::str::from_utf8(value).ok())
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Keeps the body's first `len` bytes.
    pub fn truncate_body(&mut self, len: usize) {
        self.body.truncate(len);
    }
}

/// A whole answer.
#[derive(Debug, Clone, Default)]
pub struct Response {
    status: u16,
    /// Names lower-cased, one value each.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    pub fn builder() -> ResponseBuilder {
        ResponseBuilder(Response { status: 200, ..Response::default() })
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Sets header `name`, replacing any value it had.
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        let name = name.to_ascii_lowercase();
        let value = value.into();
        match self.headers.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.headers.push((name, value)),
        }
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    pub fn into_body(self) -> Vec<u8> {
        self.body
    }
}

/// Builds a [`Response`]: `Response::builder().status(201).header(…).body(…).build()`.
#[derive(Debug)]
pub struct ResponseBuilder(Response);

impl ResponseBuilder {
    pub fn status(&mut self, status: u16) -> &mut Self {
        self.0.status = status;
        self
    }

    pub fn header(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        self.0.set_header(name, value);
        self
    }

    pub fn body(&mut self, body: impl Into<Vec<u8>>) -> &mut Self {
        self.0.body = body.into();
        self
    }

    pub fn build(&mut self) -> Response {
        std::mem::take(&mut self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_splits_its_path_and_query_and_finds_headers_in_any_case() {
        let req = Request::new(
            Method::new("GET"),
            "/api/x?limit=5&q=a",
            vec![("Content-Type".into(), b"application/json".to_vec()), ("x-bin".into(), vec![0xff])],
            Vec::new(),
        );
        assert_eq!(req.path(), "/api/x");
        assert_eq!(req.query(), "limit=5&q=a");
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(req.header("x-bin"), None, "a value that is not text is not offered as text");
        assert_eq!(Request::new(Method::new("GET"), "/", vec![], vec![]).query(), "");
    }

    #[test]
    fn set_header_replaces_a_value_of_any_case() {
        let mut response = Response::builder().status(201).header("Vary", "origin").body("{}").build();
        response.set_header("vary", "origin, accept");
        assert_eq!(response.headers().collect::<Vec<_>>(), [("vary", "origin, accept")]);
        assert_eq!((response.status(), response.body()), (201, &b"{}"[..]));
    }
}
