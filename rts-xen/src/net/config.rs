//! How the network interface gets its IPv4 configuration, chosen on the
//! kernel command line (words starting with `halvm.`):
//!
//! - nothing: DHCP; if no lease arrives within DHCP_FALLBACK_MS, the static
//!   defaults of QEMU's user networking (10.0.2.15/24, gateway 10.0.2.2,
//!   DNS 10.0.2.3), with a console line saying so. DHCP keeps running
//!   after the fallback and a later lease replaces it.
//! - `halvm.ip=A.B.C.D/N` (optionally `halvm.gw=A.B.C.D`): that static
//!   address, no DHCP.
//! - `halvm.net=dhcp`: DHCP only, no fallback (the interface has no
//!   address until a lease arrives).
//! - `halvm.net=static`: the QEMU defaults above (or halvm.ip's), no DHCP.
//! - `halvm.net=off`: no network at all (sockets fail with ENETDOWN).
//!
//! `halvm.dns=A.B.C.D[:PORT]` names the DNS server the resolver
//! (resolver.rs) asks, on port 53 unless PORT is given, in every mode:
//! it replaces the server a DHCP lease offers, and QEMU's 10.0.2.3 of the
//! static plan. The port is for servers that cannot bind 53 (a test's
//! responder on the host, reached through QEMU's gateway 10.0.2.2).
//!
//! A malformed value is reported and the word ignored.

/// The names of the settings above; the start-up code reports any other
/// `halvm.` word, since argv does not carry it either.
pub const SETTINGS: &[&str] = &["halvm.net", "halvm.ip", "halvm.gw", "halvm.dns"];

/// How long DHCP may take before the static fallback applies.
pub const DHCP_FALLBACK_MS: u64 = 3000;

/// QEMU user networking's fixed plan (slirp's defaults).
pub const QEMU_ADDRESS: [u8; 4] = [10, 0, 2, 15];
pub const QEMU_PREFIX: u8 = 24;
pub const QEMU_GATEWAY: [u8; 4] = [10, 0, 2, 2];
pub const QEMU_DNS: [u8; 4] = [10, 0, 2, 3];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// DHCP, falling back to the static address after DHCP_FALLBACK_MS.
    DhcpWithFallback,
    DhcpOnly,
    Static,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Static {
    pub address: [u8; 4],
    pub prefix: u8,
    pub gateway: Option<[u8; 4]>,
    pub dns: Option<[u8; 4]>,
}

pub const QEMU_STATIC: Static =
    Static { address: QEMU_ADDRESS, prefix: QEMU_PREFIX, gateway: Some(QEMU_GATEWAY), dns: Some(QEMU_DNS) };

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub mode: Mode,
    /// The static address (the fallback in DhcpWithFallback mode).
    pub fixed: Static,
    /// `halvm.dns=`: the DNS server whatever the address's source.
    pub dns: Option<DnsServer>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnsServer {
    pub address: [u8; 4],
    pub port: u16,
}

/// `A.B.C.D` or `A.B.C.D:PORT` with PORT from 1 to 65535 (decimal, at
/// most five digits); the port defaults to 53.
pub fn parse_dns(s: &str) -> Option<DnsServer> {
    let (a, port) = match s.split_once(':') {
        None => (s, super::dns::PORT),
        Some((a, p)) => {
            if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (a, p.parse::<u16>().ok().filter(|&p| p != 0)?)
        }
    };
    Some(DnsServer { address: parse_ipv4(a)?, port })
}

/// Parses a dotted-quad IPv4 address: four decimal numbers 0-255 of one to
/// three digits each.
pub fn parse_ipv4(s: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split('.');
    for o in out.iter_mut() {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u16 = p.parse().ok()?;
        *o = u8::try_from(v).ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// `A.B.C.D/N` with N from 0 to 32.
pub fn parse_cidr(s: &str) -> Option<([u8; 4], u8)> {
    let (a, n) = s.split_once('/')?;
    if n.is_empty() || n.len() > 2 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u8 = n.parse().ok()?;
    (n <= 32).then_some((parse_ipv4(a)?, n))
}

/// The configuration the words of the command line ask for; `warn` gets
/// one message per word that could not be used.
pub fn from_words<'a>(words: impl Iterator<Item = &'a str>, mut warn: impl FnMut(&'a str)) -> Config {
    let mut mode = None;
    let mut fixed = QEMU_STATIC;
    let mut dns = None;
    let mut explicit_ip = false;
    for w in words {
        let Some((key, value)) = w.split_once('=') else { continue };
        let ok = match key {
            "halvm.net" => match value {
                "dhcp" => { mode = Some(Mode::DhcpOnly); true }
                "static" => { mode = Some(Mode::Static); true }
                "off" => { mode = Some(Mode::Off); true }
                _ => false,
            },
            "halvm.ip" => parse_cidr(value).map(|(a, n)| {
                fixed.address = a;
                fixed.prefix = n;
                explicit_ip = true;
            }).is_some(),
            "halvm.gw" => parse_ipv4(value).map(|a| fixed.gateway = Some(a)).is_some(),
            "halvm.dns" => parse_dns(value).map(|d| dns = Some(d)).is_some(),
            _ => true,
        };
        if !ok {
            warn(w);
        }
    }
    let mode = mode.unwrap_or(if explicit_ip { Mode::Static } else { Mode::DhcpWithFallback });
    Config { mode, fixed, dns }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> (Config, Vec<String>) {
        let mut warnings = Vec::new();
        let c = from_words(line.split_whitespace(), |w| warnings.push(w.to_string()));
        (c, warnings)
    }

    #[test]
    fn addresses_parse_strictly() {
        assert_eq!(parse_ipv4("10.0.2.15"), Some([10, 0, 2, 15]));
        assert_eq!(parse_ipv4("255.255.255.255"), Some([255; 4]));
        assert_eq!(parse_ipv4("010.0.0.1"), Some([10, 0, 0, 1]));
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", "1.2.3.4 ", "+1.2.3.4", "1.2.3.0004", "a.b.c.d", "1.2.3.-4"] {
            assert_eq!(parse_ipv4(bad), None, "{bad:?}");
        }
        assert_eq!(parse_cidr("192.168.1.7/24"), Some(([192, 168, 1, 7], 24)));
        assert_eq!(parse_cidr("0.0.0.0/0"), Some(([0; 4], 0)));
        for bad in ["1.2.3.4", "1.2.3.4/", "1.2.3.4/33", "1.2.3.4/-1", "1.2.3.4/100", "/24"] {
            assert_eq!(parse_cidr(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_default_is_dhcp_with_qemus_static_plan_as_fallback() {
        let (c, w) = parse("42 'other words' three");
        assert_eq!(c, Config { mode: Mode::DhcpWithFallback, fixed: QEMU_STATIC, dns: None });
        assert!(w.is_empty());
    }

    #[test]
    fn an_explicit_address_means_static() {
        let (c, w) = parse("halvm.ip=192.168.7.2/16 halvm.gw=192.168.0.1 x=y");
        assert_eq!(c.mode, Mode::Static);
        assert_eq!(c.fixed, Static { address: [192, 168, 7, 2], prefix: 16, gateway: Some([192, 168, 0, 1]), dns: Some(QEMU_DNS) });
        assert!(w.is_empty());
    }

    #[test]
    fn modes_and_bad_words() {
        assert_eq!(parse("halvm.net=dhcp").0.mode, Mode::DhcpOnly);
        assert_eq!(parse("halvm.net=static").0.mode, Mode::Static);
        assert_eq!(parse("halvm.net=off halvm.ip=1.2.3.4/8").0.mode, Mode::Off);
        let (c, w) = parse("halvm.net=bogus halvm.ip=1.2.3/8 halvm.gw=x halvm.dns=1.2.3.4:0");
        assert_eq!(c, Config { mode: Mode::DhcpWithFallback, fixed: QEMU_STATIC, dns: None });
        assert_eq!(w, ["halvm.net=bogus", "halvm.ip=1.2.3/8", "halvm.gw=x", "halvm.dns=1.2.3.4:0"]);
    }

    #[test]
    fn the_dns_server_with_an_optional_port() {
        assert_eq!(parse_dns("10.0.2.2"), Some(DnsServer { address: [10, 0, 2, 2], port: 53 }));
        assert_eq!(parse_dns("10.0.2.2:5353"), Some(DnsServer { address: [10, 0, 2, 2], port: 5353 }));
        assert_eq!(parse_dns("1.1.1.1:65535").map(|d| d.port), Some(65535));
        for bad in ["", ":53", "10.0.2.2:", "10.0.2.2:0", "10.0.2.2:65536", "10.0.2.2:+53", "10.0.2.2:053535",
                    "10.0.2.2:53:53", "10.0.2.2 :53", "dns.example:53", "10.0.2:53"] {
            assert_eq!(parse_dns(bad), None, "{bad:?}");
        }
        // it applies over DHCP too (the stack prefers it to the lease's)
        let (c, w) = parse("halvm.dns=10.0.2.2:5353");
        assert_eq!(c.mode, Mode::DhcpWithFallback);
        assert_eq!(c.dns, Some(DnsServer { address: [10, 0, 2, 2], port: 5353 }));
        // (kept apart from the static plan's own, which it overrides)
        assert_eq!(c.fixed.dns, Some(QEMU_DNS));
        assert!(w.is_empty());
    }
}
