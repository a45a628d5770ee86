//! Addresses and ranges: the trusted-proxy list, and which address a request really came from.

use std::net::IpAddr;

/// An address range such as `10.0.0.0/8` or `::1/128`; a bare address is a range of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let text = text.trim();
        let (addr, bits) = match text.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (text, None),
        };
        let net: IpAddr = addr.parse().map_err(|_| format!("{text:?} is not an address or CIDR range"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            None => max,
            Some(b) => b
                .parse::<u8>()
                .ok()
                .filter(|b| *b <= max)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {max}"))?,
        };
        Ok(Cidr { net, bits })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), self.bits),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), self.bits),
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (whole, rest) = ((bits / 8) as usize, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || {
        let mask = 0xFFu8 << (8 - rest);
        a[whole] & mask == b[whole] & mask
    }
}

/// An IPv4 address mapped into IPv6 (`::ffff:1.2.3.4`) is that IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address: the peer, unless the peer is a trusted proxy; then the right-most
/// address in `X-Forwarded-For` that is not itself a trusted proxy (the left part of the header
/// is whatever the client wrote, so it is not believed).
pub fn client_addr(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[Cidr]) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let Some(header) = forwarded_for else { return peer };
    let mut hops: Vec<IpAddr> = Vec::new();
    for part in header.split(',') {
        match part.trim().parse::<IpAddr>() {
            Ok(ip) => hops.push(canonical(ip)),
            // A hop we cannot read: nothing left of it can be trusted.
            Err(_) => hops.clear(),
        }
    }
    hops.into_iter().rev().find(|ip| !is_trusted(*ip)).unwrap_or(peer)
}

/// The host part of a URL (without brackets for IPv6), for the certificate's names.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host_port = rest.split('/').next()?;
    let host = if host_port.starts_with('[') {
        host_port.trim_start_matches('[').split(']').next()?
    } else {
        host_port.rsplit_once(':').map_or(host_port, |(h, _)| h)
    };
    (!host.is_empty()).then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn hosts_are_read_from_urls() {
        assert_eq!(super::url_host("https://rmm.example.com:8443/x").as_deref(), Some("rmm.example.com"));
        assert_eq!(super::url_host("https://[::1]:8443").as_deref(), Some("::1"));
        assert_eq!(super::url_host("http://10.0.0.5").as_deref(), Some("10.0.0.5"));
    }

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_contain_what_they_should() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains(ip("10.200.3.4")));
        assert!(!c.contains(ip("11.0.0.1")));
        assert!(c.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped IPv6");
        assert!(Cidr::parse("192.168.1.7").unwrap().contains(ip("192.168.1.7")));
        assert!(!Cidr::parse("192.168.1.7").unwrap().contains(ip("192.168.1.8")));
        assert!(Cidr::parse("fd00::/8").unwrap().contains(ip("fd12::1")));
        assert!(Cidr::parse("172.16.0.0/12").unwrap().contains(ip("172.31.255.255")));
        assert!(!Cidr::parse("172.16.0.0/12").unwrap().contains(ip("172.32.0.0")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0/8", "::1/129", ""] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = [Cidr::parse("127.0.0.1").unwrap(), Cidr::parse("10.0.0.0/8").unwrap()];
        // Straight from a client: the header is theirs to forge, so it is ignored.
        assert_eq!(client_addr(ip("203.0.113.5"), Some("1.2.3.4"), &trusted), ip("203.0.113.5"));
        // Through the proxy: the address the proxy saw.
        assert_eq!(client_addr(ip("127.0.0.1"), Some("198.51.100.7"), &trusted), ip("198.51.100.7"));
        // A client that prepends a fake address still gets its own.
        assert_eq!(client_addr(ip("127.0.0.1"), Some("1.1.1.1, 198.51.100.7"), &trusted), ip("198.51.100.7"));
        // Through two proxies of ours.
        assert_eq!(client_addr(ip("127.0.0.1"), Some("198.51.100.7, 10.0.0.2"), &trusted), ip("198.51.100.7"));
        // No header, or nothing readable to the right: the proxy itself.
        assert_eq!(client_addr(ip("127.0.0.1"), None, &trusted), ip("127.0.0.1"));
        assert_eq!(client_addr(ip("127.0.0.1"), Some("198.51.100.7, garbage"), &trusted), ip("127.0.0.1"));
        assert_eq!(client_addr(ip("127.0.0.1"), Some("x"), &[]), ip("127.0.0.1"));
    }
}
