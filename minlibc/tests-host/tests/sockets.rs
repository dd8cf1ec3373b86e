//! minlibc's socket names and numbers compared with glibc, and the socket
//! calls' argument checks (c/suite_sockets.c). The sockets themselves run
//! on rts-xen's stack: its unit tests (rts-xen/src/net/stack/tests.rs) and
//! the qemu lane's `net_echo` boot.

use minlibc_host_tests::*;

extern "C" {
    fn suite_sockets(seed: u64, cases: std::os::raw::c_ulong, report: *mut std::os::raw::c_char, cap: usize) -> std::os::raw::c_ulong;
}

#[test]
fn inet_text_getaddrinfo_getnameinfo_match_glibc_and_socket_arguments_are_checked() {
    if let Err(report) = run(suite_sockets, seed(), 20_000) {
        panic!("{report}");
    }
}
