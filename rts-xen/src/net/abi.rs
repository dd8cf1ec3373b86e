//! The numbers of include/halvm/net.h, for api.rs; a unit test reads the
//! header and checks that every `#define HALVM_NET_*` there has the value
//! here, so the two cannot drift apart.

pub const HALVM_NET_API_VERSION: i32 = 2;
pub const HALVM_NET_TCP: i32 = 1;
pub const HALVM_NET_UDP: i32 = 2;
pub const HALVM_NET_TCP_RCVBUF: i32 = super::stack::TCP_RX_BYTES as i32;
pub const HALVM_NET_TCP_SNDBUF: i32 = super::stack::TCP_TX_BYTES as i32;
pub const HALVM_NET_UDP_BUF: i32 = super::stack::UDP_BYTES as i32;
pub const HALVM_NET_UDP_MAX_PAYLOAD: i32 = super::stack::UDP_MAX_PAYLOAD as i32;
pub const HALVM_NET_PEEK: i32 = 1;
pub const HALVM_NET_OPT_NODELAY: i32 = 1;
pub const HALVM_NET_OPT_KEEPALIVE_MS: i32 = 2;
pub const HALVM_NET_OPT_ABORT_ON_CLOSE: i32 = 3;
pub const HALVM_NET_READABLE: i32 = super::stack::READABLE as i32;
pub const HALVM_NET_WRITABLE: i32 = super::stack::WRITABLE as i32;
pub const HALVM_NET_ERROR: i32 = super::stack::ERROR as i32;
pub const HALVM_NET_HANGUP: i32 = super::stack::HANGUP as i32;
pub const HALVM_NET_SOURCE_NONE: i32 = 0;
pub const HALVM_NET_SOURCE_DHCP: i32 = 1;
pub const HALVM_NET_SOURCE_STATIC: i32 = 2;
pub const HALVM_NET_SOURCE_FALLBACK: i32 = 3;

/// struct halvm_net_interface
#[repr(C)]
pub struct Interface {
    pub name: [u8; 16],
    pub index: u32,
    pub mac: [u8; 6],
    pub prefix_len: u8,
    pub up: u8,
    pub addr: u32,
    pub gateway: u32,
    pub dns: u32,
    pub source: u32,
}

// The sizes the header's structs have on x86_64 (socket.c asserts the
// same on the C side).
const _: () = assert!(core::mem::size_of::<Interface>() == 44);
const _: () = assert!(core::mem::size_of::<super::stack::Endpoint>() == 8);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_define_of_net_h_has_the_value_used_here() {
        let header = include_str!("../../include/halvm/net.h");
        let ours: &[(&str, i32)] = &[
            ("HALVM_NET_API_VERSION", HALVM_NET_API_VERSION),
            ("HALVM_NET_TCP", HALVM_NET_TCP),
            ("HALVM_NET_UDP", HALVM_NET_UDP),
            ("HALVM_NET_TCP_RCVBUF", HALVM_NET_TCP_RCVBUF),
            ("HALVM_NET_TCP_SNDBUF", HALVM_NET_TCP_SNDBUF),
            ("HALVM_NET_UDP_BUF", HALVM_NET_UDP_BUF),
            ("HALVM_NET_UDP_MAX_PAYLOAD", HALVM_NET_UDP_MAX_PAYLOAD),
            ("HALVM_NET_PEEK", HALVM_NET_PEEK),
            ("HALVM_NET_OPT_NODELAY", HALVM_NET_OPT_NODELAY),
            ("HALVM_NET_OPT_KEEPALIVE_MS", HALVM_NET_OPT_KEEPALIVE_MS),
            ("HALVM_NET_OPT_ABORT_ON_CLOSE", HALVM_NET_OPT_ABORT_ON_CLOSE),
            ("HALVM_NET_READABLE", HALVM_NET_READABLE),
            ("HALVM_NET_WRITABLE", HALVM_NET_WRITABLE),
            ("HALVM_NET_ERROR", HALVM_NET_ERROR),
            ("HALVM_NET_HANGUP", HALVM_NET_HANGUP),
            ("HALVM_NET_SOURCE_NONE", HALVM_NET_SOURCE_NONE),
            ("HALVM_NET_SOURCE_DHCP", HALVM_NET_SOURCE_DHCP),
            ("HALVM_NET_SOURCE_STATIC", HALVM_NET_SOURCE_STATIC),
            ("HALVM_NET_SOURCE_FALLBACK", HALVM_NET_SOURCE_FALLBACK),
        ];
        let mut seen = 0;
        for line in header.lines() {
            let mut words = line.split_whitespace();
            if words.next() != Some("#define") {
                continue;
            }
            let (Some(name), Some(value)) = (words.next(), words.next()) else { continue };
            if !name.starts_with("HALVM_NET_") || name == "HALVM_NET_H" {
                continue;
            }
            let want = ours.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("{name} is not known here"));
            assert_eq!(value.parse::<i32>().ok(), Some(want.1), "{name}");
            seen += 1;
        }
        assert_eq!(seen, ours.len(), "every constant here is in the header");
    }
}
