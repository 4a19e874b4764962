//! Spin's HTTP routes as spin.toml writes them (`/api/auth/me`,
//! `/api/workspaces/:workspace_id/contacts/...`) and how Spin picks the one
//! that serves a path: an exact route beats a wildcard, then the longer
//! prefix wins.

use std::cmp::Ordering;

/// One segment of a route's prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `:name`: any one non-empty segment.
    Parameter,
}

/// A public route of spin.toml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    text: String,
    segments: Vec<Segment>,
    /// Ends in `/...`: the prefix itself and every path below it.
    wildcard: bool,
}

impl Route {
    /// Parses a route; `None` for what Spin would not accept as one here.
    pub fn parse(text: &str) -> Option<Route> {
        let (prefix, wildcard) = match text.strip_suffix("/...") {
            Some(prefix) => (prefix, true),
            None if text == "/..." => ("", true),
            None => (text, false),
        };
        if !text.starts_with('/') {
            return None;
        }
        let mut segments = Vec::new();
        for part in prefix.split('/').skip(1) {
            if part.is_empty() {
                // "/" itself is the one route with an empty segment.
                if prefix == "/" {
                    break;
                }
                return None;
            }
            segments.push(match part.strip_prefix(':') {
                Some(name) if !name.is_empty() => Segment::Parameter,
                Some(_) => return None,
                None => Segment::Literal(part.to_string()),
            });
        }
        Some(Route { text: text.to_string(), segments, wildcard })
    }

    /// The route as spin.toml writes it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_wildcard(&self) -> bool {
        self.wildcard
    }

    /// Whether Spin would consider this route for `path` (query excluded).
    pub fn matches(&self, path: &str) -> bool {
        let mut parts = path.split('/').skip(1).peekable();
        if self.segments.is_empty() {
            return self.wildcard || path == "/";
        }
        for segment in &self.segments {
            match (segment, parts.next()) {
                (Segment::Literal(literal), Some(part)) if part == literal => {}
                (Segment::Parameter, Some(part)) if !part.is_empty() => {}
                _ => return false,
            }
        }
        match parts.peek() {
            None => true,
            Some(_) => self.wildcard,
        }
    }

    /// Spin's precedence: the route that serves a path both match is the
    /// greater one.
    pub fn precedence(&self, other: &Route) -> Ordering {
        (!self.wildcard, self.segments.len()).cmp(&(!other.wildcard, other.segments.len()))
    }

    /// Whether some path matches both routes.
    pub fn overlaps(&self, other: &Route) -> bool {
        let common = self.segments.len().min(other.segments.len());
        let compatible = self.segments[..common].iter().zip(&other.segments[..common]).all(|pair| match pair {
            (Segment::Literal(a), Segment::Literal(b)) => a == b,
            _ => true,
        });
        compatible
            && match self.segments.len().cmp(&other.segments.len()) {
                Ordering::Equal => true,
                Ordering::Less => self.wildcard,
                Ordering::Greater => other.wildcard,
            }
    }

    /// Whether every path `other` matches, this route matches too.
    pub fn covers(&self, other: &Route) -> bool {
        self.wildcard
            && self.segments.len() <= other.segments.len()
            && self.segments.iter().zip(&other.segments).all(|pair| match pair {
                (Segment::Parameter, _) => true,
                (Segment::Literal(a), Segment::Literal(b)) => a == b,
                (Segment::Literal(_), Segment::Parameter) => false,
            })
    }

    /// A PCRE fragment (no anchors) matching exactly the paths this route
    /// matches, for regex-path Ingress rules.
    pub fn regex(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            match segment {
                Segment::Literal(literal) => out.push_str(&escape(literal)),
                Segment::Parameter => out.push_str("[^/]+"),
            }
        }
        match (self.wildcard, out.is_empty()) {
            (true, true) => "/.*".into(),
            (true, false) => format!("{out}(/.*)?"),
            (false, true) => "/".into(),
            (false, false) => out,
        }
    }

    /// A path this route matches (parameters filled in), and for a
    /// wildcard, paths below it too: what tests of routing send.
    pub fn sample_paths(&self) -> Vec<String> {
        let mut base = String::new();
        for segment in &self.segments {
            base.push('/');
            match segment {
                Segment::Literal(literal) => base.push_str(literal),
                Segment::Parameter => base.push_str("sample-1"),
            }
        }
        let root = if base.is_empty() { "/".to_string() } else { base.clone() };
        if self.wildcard { vec![root, format!("{base}/x"), format!("{base}/x/y")] } else { vec![root] }
    }
}

/// The route Spin serves `path` with, among `routes` (each with what it
/// routes to): the most specific that matches.
pub fn serving<'r, T>(routes: impl IntoIterator<Item = (&'r Route, T)>, path: &str) -> Option<(&'r Route, T)> {
    routes.into_iter().filter(|(route, _)| route.matches(path)).max_by(|(a, _), (b, _)| a.precedence(b))
}

fn escape(literal: &str) -> String {
    literal
        .chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$".contains(c);
            special.then_some('\\').into_iter().chain(std::iter::once(c))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(text: &str) -> Route {
        Route::parse(text).unwrap()
    }

    #[test]
    fn exact_routes_match_only_themselves() {
        let me = route("/api/auth/me");
        assert!(me.matches("/api/auth/me"));
        assert!(!me.matches("/api/auth/me/x"));
        assert!(!me.matches("/api/auth"));
        assert!(route("/").matches("/"));
        assert!(!route("/").matches("/x"));
    }

    #[test]
    fn wildcards_match_their_prefix_and_below_and_parameters_one_segment() {
        let contacts = route("/api/workspaces/:workspace_id/contacts/...");
        assert!(contacts.matches("/api/workspaces/w1/contacts"));
        assert!(contacts.matches("/api/workspaces/w1/contacts/c1/x"));
        assert!(!contacts.matches("/api/workspaces//contacts"));
        assert!(!contacts.matches("/api/workspaces/w1/contactsx"));
        assert!(route("/...").matches("/anything/at/all"));
    }

    #[test]
    fn exact_beats_wildcard_and_longer_beats_shorter() {
        assert_eq!(route("/api/auth/me").precedence(&route("/api/auth/...")), Ordering::Greater);
        assert_eq!(
            route("/api/workspaces/:id/members/...").precedence(&route("/api/workspaces/...")),
            Ordering::Greater
        );
    }

    #[test]
    fn routes_overlap_when_some_path_matches_both() {
        let workspaces = route("/api/workspaces/...");
        assert!(workspaces.overlaps(&route("/api/workspaces/:id/members/...")));
        assert!(route("/api/workspaces/:id/members").overlaps(&workspaces));
        assert!(!route("/api/invitations/...").overlaps(&workspaces));
        assert!(!route("/api/workspaces").overlaps(&route("/api/workspaces/:id/members")));
        assert!(route("/api/workspaces").overlaps(&workspaces));
    }

    #[test]
    fn a_wildcard_covers_its_prefix_and_what_lies_below() {
        let auth = route("/api/auth/...");
        assert!(auth.covers(&route("/api/auth/me")));
        assert!(auth.covers(&route("/api/auth")));
        assert!(!auth.covers(&route("/api")));
        assert!(!route("/api/auth/me").covers(&route("/api/auth/me")));
        assert!(!route("/api/workspaces/w/...").covers(&route("/api/workspaces/:id/x")));
    }

    #[test]
    fn malformed_routes_are_refused() {
        for text in ["api", "/api//x", "/api/:/x"] {
            assert_eq!(Route::parse(text), None, "{text}");
        }
    }

    #[test]
    fn the_regex_escapes_literals_and_keeps_wildcards_optional() {
        assert_eq!(route("/api/openapi.json").regex(), r"/api/openapi\.json");
        assert_eq!(route("/p/...").regex(), "/p(/.*)?");
        assert_eq!(route("/api/workspaces/:workspace_id/bio-sites").regex(), "/api/workspaces/[^/]+/bio-sites");
        assert_eq!(route("/").regex(), "/");
    }
}
