//! The socket layer against itself: a "guest" and a "host" stack joined by
//! an in-memory Ethernet wire, on a simulated clock. The resolver's tests
//! (resolver/tests.rs) use the same harness.

use super::*;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use smoltcp::phy::{DeviceCapabilities, Medium};

type Queue = Rc<RefCell<VecDeque<Vec<u8>>>>;

/// One end of the wire: sends into `out`, receives from `inp`.
pub(crate) struct End {
    inp: Queue,
    out: Queue,
}

pub(crate) struct Rx(Vec<u8>);
pub(crate) struct Tx(Queue);

impl smoltcp::phy::RxToken for Rx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl smoltcp::phy::TxToken for Tx {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut buf = vec![0; len];
        let r = f(&mut buf);
        self.0.borrow_mut().push_back(buf);
        r
    }
}

impl Device for End {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx;
    fn receive(&mut self, _: Instant) -> Option<(Rx, Tx)> {
        let p = self.inp.borrow_mut().pop_front()?;
        Some((Rx(p), Tx(self.out.clone())))
    }
    fn transmit(&mut self, _: Instant) -> Option<Tx> {
        Some(Tx(self.out.clone()))
    }
    fn capabilities(&self) -> DeviceCapabilities {
        let mut c = DeviceCapabilities::default();
        c.medium = Medium::Ethernet;
        c.max_transmission_unit = 1514;
        c
    }
}

thread_local! {
    /// Page runs from the host allocator, counted per test thread so that
    /// leaks show.
    static PAGES_OUT: AtomicUsize = const { AtomicUsize::new(0) };
}

fn host_alloc(bytes: usize) -> Option<*mut u8> {
    let layout = std::alloc::Layout::from_size_align(bytes.next_multiple_of(4096), 4096).ok()?;
    PAGES_OUT.with(|p| p.fetch_add(1, Ordering::SeqCst));
    Some(unsafe { std::alloc::alloc_zeroed(layout) })
}

fn host_free(p: *mut u8, bytes: usize) {
    PAGES_OUT.with(|p| p.fetch_sub(1, Ordering::SeqCst));
    let layout = std::alloc::Layout::from_size_align(bytes.next_multiple_of(4096), 4096).unwrap();
    unsafe { std::alloc::dealloc(p, layout) };
}

const MEM: Memory = Memory { alloc: host_alloc, free: host_free };

thread_local! {
    static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn log(args: fmt::Arguments) {
    LOG.with(|l| l.borrow_mut().push(args.to_string()));
}

fn storage() -> &'static mut [SocketStorage<'static>] {
    (0..MAX_SOCKETS).map(|_| SocketStorage::EMPTY).collect::<Vec<_>>().leak()
}

const GUEST: u32 = 0x0a00_020f; // 10.0.2.15
pub(crate) const HOST: u32 = 0x0a00_0202; // 10.0.2.2

pub(crate) fn fixed(address: [u8; 4]) -> config::Config {
    config::Config { mode: Mode::Static, fixed: Static { address, prefix: 24, gateway: None, dns: None }, dns: None }
}

pub(crate) struct Net {
    pub(crate) guest: Stack<End>,
    pub(crate) host: Stack<End>,
    pub(crate) now: Instant,
}

impl Net {
    pub(crate) fn new() -> Net {
        Net::with_guest(fixed([10, 0, 2, 15]))
    }

    /// The guest configured as `cfg` (its address should be 10.0.2.15).
    pub(crate) fn with_guest(cfg: config::Config) -> Net {
        let (a, b): (Queue, Queue) = Default::default();
        let now = Instant::from_millis(1000);
        let guest = Stack::new(End { inp: a.clone(), out: b.clone() }, [0x52, 0x54, 0, 0x12, 0x34, 0x56],
                               cfg, storage(), MEM, log, 1, now);
        let host = Stack::new(End { inp: b, out: a }, [0x52, 0x55, 10, 0, 2, 2], fixed([10, 0, 2, 2]),
                              storage(), MEM, log, 2, now);
        Net { guest, host, now }
    }

    /// Lets packets and timers run for `ms` simulated milliseconds.
    pub(crate) fn run(&mut self, ms: u64) {
        for _ in 0..ms {
            self.now += Duration::from_millis(1);
            self.guest.poll(self.now);
            self.host.poll(self.now);
        }
    }

    /// A guest socket listening on `port` with `backlog`.
    fn listen(&mut self, port: u16, backlog: i32) -> i32 {
        let l = self.guest.socket(Kind::Tcp).unwrap();
        self.guest.bind(l, Endpoint::new(0, port)).unwrap();
        self.guest.listen(l, backlog).unwrap();
        l
    }

    /// Connects from the host to the guest's `port`; the host's handle.
    fn connect(&mut self, port: u16) -> i32 {
        let c = self.host.socket(Kind::Tcp).unwrap();
        assert_eq!(self.host.connect(c, Endpoint::new(GUEST, port), self.now), Err(EINPROGRESS));
        c
    }
}

fn recv_all(s: &mut Stack<End>, h: i32, now: Instant) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok((n, _, _)) = s.recv(h, &mut buf, false, now) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    out
}

#[test]
fn tcp_connect_accept_echo_and_orderly_close() {
    let mut net = Net::new();
    let l = net.listen(7, 4);
    assert_eq!(net.guest.accept(l, ), Err(EAGAIN));
    assert_eq!(net.guest.ready(l, net.now), Ok(0));

    let c = net.connect(7);
    assert_eq!(net.host.ready(c, net.now), Ok(0), "still connecting");
    assert_eq!(net.host.connect(c, Endpoint::new(GUEST, 7), net.now), Err(EALREADY));
    net.run(20);
    assert_eq!(net.host.ready(c, net.now).unwrap() & (WRITABLE | ERROR), WRITABLE);
    assert_eq!(net.host.take_error(c, net.now), Ok(0));
    assert_eq!(net.host.connect(c, Endpoint::new(GUEST, 7), net.now), Err(EISCONN));
    assert_eq!(net.guest.ready(l, net.now), Ok(READABLE));

    let (a, peer) = net.guest.accept(l).unwrap();
    let client_local = net.host.local(c).unwrap();
    assert_eq!(peer, Endpoint::new(HOST, client_local.port));
    assert!(client_local.port >= EPHEMERAL_FIRST);
    assert_eq!(net.guest.local(a), Ok(Endpoint::new(GUEST, 7)));
    assert_eq!(net.guest.peer(a, net.now), Ok(peer));
    assert_eq!(net.host.peer(c, net.now), Ok(Endpoint::new(GUEST, 7)));

    let mut buf = [0u8; 64];
    assert_eq!(net.guest.recv(a, &mut buf, false, net.now), Err(EAGAIN));
    assert_eq!(net.host.send(c, b"hello, echo", None, net.now), Ok(11));
    net.run(5);
    assert_eq!(net.guest.ready(a, net.now).unwrap() & READABLE, READABLE);
    assert_eq!(net.guest.pending(a), Ok(11));
    assert_eq!(net.guest.recv(a, &mut buf[..5], true, net.now), Ok((5, 5, None)), "peek");
    assert_eq!(net.guest.recv(a, &mut buf, false, net.now), Ok((11, 11, None)));
    assert_eq!(&buf[..11], b"hello, echo");
    assert_eq!(net.guest.send(a, &buf[..11], None, net.now), Ok(11));
    net.run(5);
    assert_eq!(recv_all(&mut net.host, c, net.now), b"hello, echo");

    // the client closes: the server reads EOF, then closes too
    net.host.close(c, net.now).unwrap();
    net.run(20);
    assert_eq!(net.guest.ready(a, net.now).unwrap() & READABLE, READABLE);
    assert_eq!(net.guest.recv(a, &mut buf, false, net.now), Ok((0, 0, None)));
    assert_eq!(net.guest.send(a, b"late", None, net.now), Ok(4), "half-closed: the server may still send");
    net.guest.close(a, net.now).unwrap();
    net.guest.close(l, net.now).unwrap();
    net.run(100);
    assert_eq!(net.guest.usage(), (0, 0), "every smoltcp socket of the guest is gone: {:?}", net.guest.debug_states());
}

#[test]
fn the_backlog_is_a_pool_of_listeners_refilled_by_accept() {
    let mut net = Net::new();
    let l = net.guest.socket(Kind::Tcp).unwrap();
    net.guest.bind(l, Endpoint::new(GUEST, 80)).unwrap();
    net.guest.listen(l, 3).unwrap();
    let clients: Vec<i32> = (0..5).map(|_| net.connect(80)).collect();
    net.run(50);
    let errors: Vec<i32> = clients.iter().map(|&c| net.host.take_error(c, net.now).unwrap()).collect();
    assert_eq!(errors.iter().filter(|&&e| e == 0).count(), 3, "{errors:?}");
    assert_eq!(errors.iter().filter(|&&e| e == ECONNREFUSED).count(), 2, "{errors:?}");
    let accepted: Vec<i32> = (0..3).map(|_| net.guest.accept(l).unwrap().0).collect();
    assert_eq!(net.guest.accept(l), Err(EAGAIN));
    // accepting put fresh listeners in the pool: new clients get in
    let more: Vec<i32> = (0..3).map(|_| net.connect(80)).collect();
    net.run(50);
    for &c in &more {
        assert_eq!(net.host.take_error(c, net.now), Ok(0));
    }
    for _ in 0..3 {
        net.guest.accept(l).unwrap();
    }
    for &a in &accepted {
        net.guest.close(a, net.now).unwrap();
    }
}

#[test]
fn refused_and_reset_connections_report_their_errors_once() {
    let mut net = Net::new();
    let c = net.connect(9);
    net.run(20);
    assert_eq!(net.host.ready(c, net.now).unwrap() & (ERROR | WRITABLE), ERROR | WRITABLE);
    assert_eq!(net.host.take_error(c, net.now), Ok(ECONNREFUSED));
    assert_eq!(net.host.take_error(c, net.now), Ok(0));
    // 127/8 beyond 127.0.0.1 fails at once, never via the gateway
    let lo = net.host.socket(Kind::Tcp).unwrap();
    assert_eq!(net.host.connect(lo, Endpoint::new(0x7f00_0002, 80), net.now), Err(ENETUNREACH));
    let u = net.host.socket(Kind::Udp).unwrap();
    assert_eq!(net.host.send(u, b"x", Some(Endpoint::new(0x7f12_3456, 53)), net.now), Err(ENETUNREACH));
    assert_eq!(net.host.send(c, b"x", None, net.now), Err(EPIPE));

    // SO_LINGER 0 on the server: close() resets the client
    let l = net.listen(7, 1);
    let c = net.connect(7);
    net.run(20);
    let (a, _) = net.guest.accept(l).unwrap();
    net.guest.set_opt(a, Opt::AbortOnClose(true)).unwrap();
    net.guest.close(a, net.now).unwrap();
    net.run(20);
    let mut buf = [0u8; 8];
    assert_eq!(net.host.recv(c, &mut buf, false, net.now), Err(ECONNRESET));
    assert_eq!(net.host.recv(c, &mut buf, false, net.now), Ok((0, 0, None)));
    assert_eq!(net.host.send(c, b"x", None, net.now), Err(EPIPE));
}

#[test]
fn binding_checks_ports_and_addresses() {
    let mut net = Net::new();
    let s = &mut net.guest;
    let a = s.socket(Kind::Tcp).unwrap();
    s.bind(a, Endpoint::new(0, 8080)).unwrap();
    assert_eq!(s.bind(a, Endpoint::new(0, 8081)), Err(EINVAL), "bound twice");
    let b = s.socket(Kind::Tcp).unwrap();
    assert_eq!(s.bind(b, Endpoint::new(0, 8080)), Err(EADDRINUSE));
    assert_eq!(s.bind(b, Endpoint::new(0x0102_0304, 8082)), Err(EADDRNOTAVAIL));
    s.bind(b, Endpoint::new(GUEST, 0)).unwrap();
    assert!(s.local(b).unwrap().port >= EPHEMERAL_FIRST);
    // UDP has its own ports
    let u = s.socket(Kind::Udp).unwrap();
    s.bind(u, Endpoint::new(0, 8080)).unwrap();
    // a listener without bind gets an ephemeral port
    let c = s.socket(Kind::Tcp).unwrap();
    s.listen(c, 1).unwrap();
    assert!(s.local(c).unwrap().port >= EPHEMERAL_FIRST);
    assert_eq!(s.listen(u, 1), Err(EOPNOTSUPP));
    assert_eq!(s.accept(a), Err(EINVAL));
    assert_eq!(s.send(a, b"x", None, net.now), Err(ENOTCONN));
    assert_eq!(s.peer(a, net.now), Err(ENOTCONN));
    for h in [-1, 256, i32::MAX, 200] {
        assert_eq!(s.close(h, net.now), Err(EBADF));
    }
    s.close(a, net.now).unwrap();
    assert_eq!(s.close(a, net.now), Err(EBADF));
    // the port is free again
    let d = s.socket(Kind::Tcp).unwrap();
    s.bind(d, Endpoint::new(0, 8080)).unwrap();
}

#[test]
fn udp_datagrams_keep_boundaries_and_report_truncation() {
    let mut net = Net::new();
    let g = net.guest.socket(Kind::Udp).unwrap();
    net.guest.bind(g, Endpoint::new(0, 7)).unwrap();
    let h = net.host.socket(Kind::Udp).unwrap();
    assert_eq!(net.host.send(h, b"x", None, net.now), Err(EDESTADDRREQ));
    assert_eq!(net.host.send(h, b"first datagram", Some(Endpoint::new(GUEST, 7)), net.now), Ok(14));
    assert_eq!(net.host.send(h, b"second", Some(Endpoint::new(GUEST, 7)), net.now), Ok(6));
    let big = vec![0u8; UDP_MAX_PAYLOAD + 1];
    assert_eq!(net.host.send(h, &big, Some(Endpoint::new(GUEST, 7)), net.now), Err(EMSGSIZE));
    net.run(10);
    let from = Endpoint::new(HOST, net.host.local(h).unwrap().port);
    let mut buf = [0u8; 5];
    assert_eq!(net.guest.ready(g, net.now), Ok(READABLE | WRITABLE));
    assert_eq!(net.guest.recv(g, &mut buf, false, net.now), Ok((5, 14, Some(from))), "truncated");
    assert_eq!(&buf, b"first");
    let mut buf = [0u8; 64];
    assert_eq!(net.guest.recv(g, &mut buf, true, net.now), Ok((6, 6, Some(from))), "peek");
    assert_eq!(net.guest.recv(g, &mut buf, false, net.now), Ok((6, 6, Some(from))));
    assert_eq!(net.guest.recv(g, &mut buf, false, net.now), Err(EAGAIN));
    // echo back, then a connected socket hears only its peer
    assert_eq!(net.guest.send(g, b"second", Some(from), net.now), Ok(6));
    net.run(10);
    assert_eq!(net.host.recv(h, &mut buf, false, net.now), Ok((6, 6, Some(Endpoint::new(GUEST, 7)))));
    net.guest.connect(g, Endpoint::new(HOST, 9999), net.now).unwrap();
    assert_eq!(net.host.send(h, b"ignored", Some(Endpoint::new(GUEST, 7)), net.now), Ok(7));
    net.run(10);
    assert_eq!(net.guest.recv(g, &mut buf, false, net.now), Err(EAGAIN));
    assert_eq!(net.guest.peer(g, net.now), Ok(Endpoint::new(HOST, 9999)));
    net.guest.connect(g, Endpoint::new(0, 0), net.now).unwrap();
    assert_eq!(net.guest.peer(g, net.now), Err(ENOTCONN));
}

#[test]
fn a_server_closing_more_connections_than_sockets_keeps_accepting() {
    // Each connection is closed by the server first (as an HTTP/1.0
    // server does), so each leaves a TIME-WAIT socket behind; more of them
    // than the table holds come within TIME_WAIT_KEPT.
    let mut net = Net::new();
    let l = net.listen(80, 4);
    let rounds = MAX_SOCKETS + 50;
    let started = net.now;
    for i in 0..rounds {
        let c = net.connect(80);
        let mut accepted = Err(EAGAIN);
        for _ in 0..50 {
            net.run(1);
            accepted = net.guest.accept(l);
            if accepted.is_ok() {
                break;
            }
        }
        let (a, _) = accepted.unwrap_or_else(|e| panic!("connection {i} not accepted: errno {e}"));
        net.guest.send(a, b"answer", None, net.now).unwrap();
        net.guest.close(a, net.now).unwrap();
        net.run(1);
        assert_eq!(recv_all(&mut net.host, c, net.now), b"answer", "connection {i}");
        net.host.close(c, net.now).unwrap();
    }
    assert!(net.now < started + TIME_WAIT_KEPT, "the rounds took {:?}: no TIME-WAIT ran out", net.now - started);
    net.run(3000);
    net.guest.close(l, net.now).unwrap();
    net.run(10);
    assert_eq!(net.guest.usage(), (0, 0), "{:?}", net.guest.debug_states());
}

#[test]
fn closing_everything_returns_every_page_run() {
    let before = PAGES_OUT.with(|p| p.load(Ordering::SeqCst));
    {
        let mut net = Net::new();
        let l = net.listen(7, 8);
        let cs: Vec<i32> = (0..4).map(|_| net.connect(7)).collect();
        net.run(20);
        let accepted: Vec<i32> = (0..4).map(|_| net.guest.accept(l).unwrap().0).collect();
        for (&a, &c) in accepted.iter().zip(&cs) {
            net.guest.send(a, &[7u8; 1000], None, net.now).unwrap();
            net.guest.close(a, net.now).unwrap();
            net.host.close(c, net.now).unwrap();
        }
        let u = net.guest.socket(Kind::Udp).unwrap();
        net.guest.close(u, net.now).unwrap();
        net.guest.close(l, net.now).unwrap();
        net.run(2500);
        assert_eq!(net.guest.usage(), (0, 0));
        assert_eq!(net.host.usage(), (0, 0));
    }
    // every page run taken on this thread is back
    assert_eq!(PAGES_OUT.with(|p| p.load(Ordering::SeqCst)), before);
}

#[test]
fn dhcp_without_a_server_falls_back_to_qemus_static_plan() {
    let (a, b): (Queue, Queue) = Default::default();
    let mut now = Instant::from_millis(0);
    let cfg = config::Config { mode: Mode::DhcpWithFallback, fixed: config::QEMU_STATIC, dns: None };
    let mut s = Stack::new(End { inp: a, out: b.clone() }, [0x52, 0x54, 0, 1, 2, 3], cfg, storage(), MEM, log, 3, now);
    assert_eq!(s.ipv4().address, None);
    now += Duration::from_millis(2900);
    s.poll(now);
    assert_eq!(s.ipv4().source, Source::None);
    assert!(!b.borrow().is_empty(), "DHCP discover sent");
    now += Duration::from_millis(200);
    assert!(s.poll_at(Instant::from_millis(0)).is_some());
    s.poll(now);
    assert_eq!(s.ipv4(), Ipv4Info { address: Some(([10, 0, 2, 15], 24)), gateway: Some([10, 0, 2, 2]),
                                   dns: Some([10, 0, 2, 3]), source: Source::Fallback });
    let line = LOG.with(|l| l.borrow().last().cloned().unwrap());
    assert_eq!(line, "halvm: net: eth0 52:54:00:01:02:03 address 10.0.2.15/24 gateway 10.0.2.2 dns 10.0.2.3 \
                      (static fallback: no DHCP lease)");
}

#[test]
fn a_network_switched_off_refuses_sockets() {
    let (a, b): (Queue, Queue) = Default::default();
    let cfg = config::Config { mode: Mode::Off, fixed: config::QEMU_STATIC, dns: None };
    let mut s = Stack::new(End { inp: a, out: b }, [2, 0, 0, 0, 0, 1], cfg, storage(), MEM, log, 3, Instant::ZERO);
    assert_eq!(s.socket(Kind::Tcp), Err(ENETDOWN));
}

#[test]
fn bulk_transfer_survives_full_buffers() {
    let mut net = Net::new();
    let l = net.listen(7, 1);
    let c = net.connect(7);
    net.run(10);
    let (a, _) = net.guest.accept(l).unwrap();
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    let (mut sent, mut got) = (0, Vec::new());
    let mut buf = vec![0u8; 8192];
    let mut full = 0;
    while got.len() < data.len() {
        match net.guest.send(a, &data[sent..], None, net.now) {
            Ok(n) => sent += n,
            Err(EAGAIN) => full += 1,
            Err(e) => panic!("send: {e}"),
        }
        net.run(1);
        while let Ok((n, _, _)) = net.host.recv(c, &mut buf, false, net.now) {
            got.extend_from_slice(&buf[..n]);
        }
    }
    assert!(got == data, "the bytes arrive intact and in order");
    assert!(full > 0, "the send buffer filled at least once");
}

// ------------------------------------------------------------- loopback

const LOCAL: u32 = 0x7f00_0001;

/// A server and a client in the guest talking to `addr` (127.0.0.1 or the
/// guest's own address): nothing reaches the wire.
fn talk_to_self(net: &mut Net, addr: u32, port: u16) {
    let g = &mut net.guest;
    let l = g.socket(Kind::Tcp).unwrap();
    g.bind(l, Endpoint::new(0, port)).unwrap();
    g.listen(l, 4).unwrap();
    let c = g.socket(Kind::Tcp).unwrap();
    assert_eq!(g.connect(c, Endpoint::new(addr, port), net.now), Err(EINPROGRESS));
    net.run(10);
    let g = &mut net.guest;
    assert_eq!(g.take_error(c, net.now), Ok(0), "{:?}", g.debug_states());
    let (a, peer) = g.accept(l).unwrap_or_else(|e| panic!("no connection to ourselves ({e}): {:?} {:?}", g.debug_states(), g.loop_counts()));
    let local = g.local(c).unwrap();
    assert_eq!(local.addr, addr, "the source is the address connected to, as on Linux");
    assert_eq!(peer, local);
    assert_eq!(g.peer(c, net.now), Ok(Endpoint::new(addr, port)));
    assert_eq!(g.local(a), Ok(Endpoint::new(addr, port)));

    // 200 KiB each way through 64 KiB windows
    let data: Vec<u8> = (0..200 * 1024u32).map(|i| (i * 7 % 253) as u8).collect();
    let (mut sent, mut echo_sent, mut echoed, mut back) = (0, 0, Vec::new(), Vec::new());
    let mut buf = vec![0u8; 8192];
    for _ in 0..2000 {
        let g = &mut net.guest;
        if sent < data.len() {
            if let Ok(n) = g.send(c, &data[sent..], None, net.now) {
                sent += n;
            }
        }
        while let Ok((n, _, _)) = g.recv(a, &mut buf, false, net.now) {
            if n == 0 {
                break;
            }
            echoed.extend_from_slice(&buf[..n]);
        }
        while echo_sent < echoed.len() {
            match g.send(a, &echoed[echo_sent..], None, net.now) {
                Ok(n) => echo_sent += n,
                Err(_) => break,
            }
        }
        while let Ok((n, _, _)) = g.recv(c, &mut buf, false, net.now) {
            if n == 0 {
                break;
            }
            back.extend_from_slice(&buf[..n]);
        }
        if back.len() == data.len() {
            break;
        }
        net.run(1);
    }
    assert!(back == data, "{} of {} bytes came back", back.len(), data.len());
    let g = &mut net.guest;
    g.close(c, net.now).unwrap();
    g.close(a, net.now).unwrap();
    g.close(l, net.now).unwrap();
}

#[test]
fn the_guest_reaches_its_own_servers_through_127_0_0_1_and_its_address() {
    let mut net = Net::new();
    let wire_before = net.guest.loop_counts();
    talk_to_self(&mut net, LOCAL, 7);
    talk_to_self(&mut net, GUEST, 8);
    net.run(3000);
    let (looped, dropped) = net.guest.loop_counts();
    assert!(looped > wire_before.0 + 100, "{looped} frames turned around");
    assert_eq!(dropped, 0);
    assert_eq!(net.guest.usage(), (0, 0), "{:?}", net.guest.debug_states());
    // the host stack never saw a frame for these connections: it had no
    // reason to learn the guest's hardware address
    let h = net.host.socket(Kind::Tcp).unwrap();
    assert_eq!(net.host.local(h), Ok(Endpoint::default()));
}

#[test]
fn loopback_datagrams_and_connections_without_an_interface_address() {
    // DHCP only, no server: the interface has no address, yet 127.0.0.1
    // works (and the rest of the world is unreachable)
    let (a, b): (Queue, Queue) = Default::default();
    let now = Instant::from_millis(1000);
    let cfg = config::Config { mode: Mode::DhcpOnly, fixed: Static { address: [10, 0, 2, 15], prefix: 24, gateway: None, dns: None }, dns: None };
    let mut s = Stack::new(End { inp: a, out: b.clone() }, [2, 0, 0, 0, 0, 1], cfg, storage(), MEM, log, 3, now);
    assert_eq!(s.ipv4().address, None);
    let u = s.socket(Kind::Udp).unwrap();
    s.bind(u, Endpoint::new(LOCAL, 5353)).unwrap();
    let v = s.socket(Kind::Udp).unwrap();
    assert_eq!(s.send(v, b"to myself", Some(Endpoint::new(LOCAL, 5353)), now), Ok(9));
    let from = s.local(v).unwrap();
    let mut t = now;
    for _ in 0..5 {
        t += Duration::from_millis(1);
        s.poll(t);
    }
    let mut buf = [0u8; 32];
    assert_eq!(s.recv(u, &mut buf, false, t), Ok((9, 9, Some(Endpoint::new(LOCAL, from.port)))));
    assert_eq!(&buf[..9], b"to myself");
    let c = s.socket(Kind::Tcp).unwrap();
    assert_eq!(s.connect(c, Endpoint::new(0x0a00_0202, 80), t), Err(ENETUNREACH));
    let c = s.socket(Kind::Tcp).unwrap();
    assert_eq!(s.connect(c, Endpoint::new(LOCAL, 80), t), Err(EINPROGRESS));
    for _ in 0..5 {
        t += Duration::from_millis(1);
        s.poll(t);
    }
    assert_eq!(s.take_error(c, t), Ok(ECONNREFUSED), "nobody listens on 127.0.0.1:80: a reset, at once");
    // only DHCP discovers went out on the wire
    for frame in b.borrow().iter() {
        assert_eq!(&frame[..6], &[0xff; 6], "only broadcasts (DHCP) leave: {frame:02x?}");
    }
}

#[test]
fn frames_are_routed_by_their_destination() {
    use super::super::loopback::{route, Route};
    let mac = [2, 0, 0, 0, 0, 1];
    let own = [LOCAL, GUEST];
    let ipv4 = |dst_mac: [u8; 6], dst: u32| {
        let mut f = vec![0u8; 34];
        f[..6].copy_from_slice(&dst_mac);
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        f[30..34].copy_from_slice(&dst.to_be_bytes());
        f
    };
    let arp = |op: u8, target: u32| {
        let mut f = vec![0u8; 42];
        f[..6].copy_from_slice(&[0xff; 6]);
        f[12..14].copy_from_slice(&[0x08, 0x06]);
        f[20..22].copy_from_slice(&[0, op]);
        f[38..42].copy_from_slice(&target.to_be_bytes());
        f
    };
    let gw_mac = [0x52, 0x55, 10, 0, 2, 2];
    assert_eq!(route(&ipv4(gw_mac, HOST), mac, &own), Route::Wire);
    assert_eq!(route(&ipv4(gw_mac, LOCAL), mac, &own), Route::Loop);
    assert_eq!(route(&ipv4(gw_mac, GUEST), mac, &own), Route::Loop);
    assert_eq!(route(&ipv4(mac, HOST), mac, &own), Route::Loop, "to our own hardware address");
    assert_eq!(route(&arp(1, GUEST), mac, &own), Route::Loop);
    assert_eq!(route(&arp(1, LOCAL), mac, &own), Route::Loop);
    assert_eq!(route(&arp(1, HOST), mac, &own), Route::Wire);
    assert_eq!(route(&arp(2, GUEST), mac, &own), Route::Wire, "a reply to someone else");
    assert_eq!(route(&ipv4(gw_mac, 0), mac, &[LOCAL, 0]), Route::Wire, "no address: 0 is not ours");
    assert_eq!(route(&[0u8; 10], mac, &own), Route::Wire, "too short to tell");
    assert_eq!(route(&ipv4(gw_mac, LOCAL)[..20], mac, &own), Route::Wire, "truncated header");
}
