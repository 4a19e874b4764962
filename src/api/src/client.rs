//! Where a request comes from, for counting failed password attempts per
//! client address.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

use crate::{ApiError, ApiRequest, Config};

/// The client's address as a counting key: an IPv4 address, or the /64 of
/// an IPv6 one (a single host is usually handed a whole /64). `None` when
/// Spin does not say who the peer is. A `trusted_proxies` that does not
/// parse is a configuration error (500).
pub fn client_key(req: &ApiRequest) -> Result<Option<String>, ApiError> {
    let trusted = Config::trusted_proxies()?;
    Ok(client_address(req.header("spin-client-addr"), req.header("x-forwarded-for"), &trusted).map(address_key))
}

/// The peer Spin saw (`spin-client-addr`), unless the peer is one of the
/// `trusted` proxies: then the last `X-Forwarded-For` hop that is not a
/// trusted proxy. Hops a client wrote itself stand left of that and are never
/// believed. `None` when no client can be named.
pub fn client_address(peer: Option<&str>, forwarded_for: Option<&str>, trusted: &[IpNet]) -> Option<IpAddr> {
    let trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer: IpAddr = match peer?.parse::<SocketAddr>() {
        Ok(socket) => socket.ip(),
        Err(_) => peer?.parse().ok()?,
    };
    if !trusted(&peer) {
        return Some(peer);
    }
    // Through trusted proxies: the last hop none of them is. A chain with no
    // such hop (or one that does not parse first) names no client, and every
    // caller would share one count: then there is none.
    for hop in forwarded_for.unwrap_or_default().rsplit(',') {
        let ip = hop.trim().parse::<IpAddr>().ok()?;
        if !trusted(&ip) {
            return Some(ip);
        }
    }
    None
}

fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("address:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("address:{v4}"),
            None => {
                let s = v6.segments();
                format!("address:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn the_peer_is_the_client_unless_it_is_a_trusted_proxy() {
        let proxy = nets(&["10.0.0.7/32"]);
        assert_eq!(client_address(Some("203.0.113.9:51000"), Some("198.51.100.1"), &proxy), Some(ip("203.0.113.9")));
        assert_eq!(client_address(Some("10.0.0.7:51000"), Some("198.51.100.1"), &proxy), Some(ip("198.51.100.1")));
        assert_eq!(client_address(Some("[2001:db8::1]:443"), None, &[]), Some(ip("2001:db8::1")));
        assert_eq!(client_address(None, Some("198.51.100.1"), &proxy), None);
    }

    #[test]
    fn hops_a_client_wrote_itself_are_not_believed() {
        // A pod network: any ingress controller pod is a trusted proxy.
        let proxies = nets(&["10.0.0.0/24"]);
        // The client sent "1.2.3.4"; the proxies appended what they saw.
        let chain = Some("1.2.3.4, 198.51.100.1, 10.0.0.8");
        assert_eq!(client_address(Some("10.0.0.7:1"), chain, &proxies), Some(ip("198.51.100.1")));
        // No hop outside the proxies: no client to count, rather than one
        // count that every caller shares.
        assert_eq!(client_address(Some("10.0.0.7:1"), Some("garbage, 10.0.0.8"), &proxies), None);
        assert_eq!(client_address(Some("10.0.0.7:1"), None, &proxies), None);
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        assert_eq!(address_key(ip("2001:db8:1:2:aaaa::1")), address_key(ip("2001:db8:1:2:bbbb::2")));
        assert_eq!(address_key(ip("2001:db8:1:2::1")), "address:2001:db8:1:2::/64");
        assert_eq!(address_key(ip("::ffff:192.0.2.1")), "address:192.0.2.1");
    }
}
