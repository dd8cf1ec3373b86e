//! The socket layer of halvm/net.h on top of smoltcp: socket handles,
//! binding and port allocation, the listen backlog, connection errors as
//! BSD sockets report them, readiness for poll, and the interface's IPv4
//! configuration (DHCP or static, see config.rs).
//!
//! Generic over the smoltcp device and free of machine access, so the host
//! unit tests run two of these stacks against each other over an in-memory
//! wire. Every call takes the current time; callers poll the stack after
//! calls that queue packets.
//!
//! smoltcp has no listen backlog: a listening handle owns a pool of
//! smoltcp sockets listening on the same port (as Hermit does); accept
//! takes one that has connected and puts a fresh listener in its place.
//! rts-xen has no heap, so every smoltcp socket's buffers are one page run
//! from `Memory`, returned when the socket is removed.

use core::fmt;

use smoltcp::iface::{Config as IfaceConfig, Interface, PollResult, SocketHandle, SocketSet, SocketStorage};
use smoltcp::phy::Device;
use smoltcp::socket::{dhcpv4, tcp, udp};
use smoltcp::storage::PacketMetadata;
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpAddress, IpCidr, IpEndpoint, IpListenEndpoint, Ipv4Address, Ipv4Cidr};

use super::config::{self, Mode, Static};
use super::loopback::{Looped, LOCALHOST};

use crate::errno::*;

/// Socket handles that can exist at once (user-visible ones).
pub const MAX_HANDLES: usize = 256;
/// smoltcp sockets at once: user sockets, listen pools, closing
/// connections, the DHCP client.
pub const MAX_SOCKETS: usize = 320;
/// Listening handles at once, and the most pending connections each.
pub const MAX_LISTENERS: usize = 16;
pub const MAX_BACKLOG: usize = 32;
/// Per TCP socket: receive buffer (the advertised window) and send buffer.
/// 64 KiB to send (not 32): the HTTP benchmark's 10 MiB answer went from
/// about 16 to 23 MB/s under TCG; 128 KiB gained little more for twice
/// the memory per connection.
pub const TCP_RX_BYTES: usize = 64 * 1024;
pub const TCP_TX_BYTES: usize = 64 * 1024;
/// Per UDP socket: datagrams queued each way and their payload bytes.
pub const UDP_PACKETS: usize = 32;
pub const UDP_BYTES: usize = 64 * 1024;
/// The largest UDP payload (IPv4: 65535 - 20 - 8).
pub const UDP_MAX_PAYLOAD: usize = 65507;
/// How long a connect may take, and a closed connection may linger
/// delivering its last data, before it is given up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(75);
pub const LINGER_LIMIT: Duration = Duration::from_secs(60);
/// How long a closed connection stays in TIME-WAIT (see reap_orphans),
/// unless its socket is needed sooner (add_socket).
pub const TIME_WAIT_KEPT: Duration = Duration::from_millis(2000);
/// Ephemeral ports (Linux's default ip_local_port_range is 32768-60999;
/// IANA's dynamic range is used here).
pub const EPHEMERAL_FIRST: u16 = 49152;

/// readiness bits
pub const READABLE: u32 = 1;
pub const WRITABLE: u32 = 2;
pub const ERROR: u32 = 4;
pub const HANGUP: u32 = 8;

/// An IPv4 address (host byte order, 10.0.2.15 is 0x0a00020f) and port.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Endpoint {
    pub addr: u32,
    pub port: u16,
    pub reserved: u16,
}

impl Endpoint {
    pub const fn new(addr: u32, port: u16) -> Endpoint {
        Endpoint { addr, port, reserved: 0 }
    }
    fn ip(self) -> Ipv4Address {
        Ipv4Address::from_bits(self.addr)
    }
    fn from_ip(ep: IpEndpoint) -> Endpoint {
        match ep.addr {
            IpAddress::Ipv4(a) => Endpoint::new(a.to_bits(), ep.port),
        }
    }
    fn to_ip(self) -> IpEndpoint {
        IpEndpoint::new(IpAddress::Ipv4(self.ip()), self.port)
    }
    fn listen(self) -> IpListenEndpoint {
        IpListenEndpoint { addr: (self.addr != 0).then(|| IpAddress::Ipv4(self.ip())), port: self.port }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Tcp,
    Udp,
}

/// Socket options (halvm_net_setopt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opt {
    NoDelay(bool),
    /// Keep-alive probes every this many ms; 0 turns them off.
    KeepAliveMs(u32),
    /// SO_LINGER with a zero timeout: close() resets the connection.
    AbortOnClose(bool),
}

/// Page runs for socket buffers: `alloc` returns `bytes` (rounded up to
/// whole pages) zeroed and page-aligned, or None; `free` takes them back.
#[derive(Clone, Copy)]
pub struct Memory {
    pub alloc: fn(usize) -> Option<*mut u8>,
    pub free: fn(*mut u8, usize),
}

/// How the interface got its address, for the console and interface info.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    None,
    Dhcp,
    Static,
    Fallback,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Info {
    pub address: Option<([u8; 4], u8)>,
    pub gateway: Option<[u8; 4]>,
    pub dns: Option<[u8; 4]>,
    pub source: Source,
}

#[derive(Clone, Copy)]
enum Phase {
    Connecting { since: Instant },
    Open,
    /// Failed with this errno, not yet reported.
    Failed(i32),
    /// Failed and reported, or reset: reads give EOF, writes EPIPE.
    Dead,
}

#[derive(Clone, Copy)]
struct Stream {
    sock: SocketHandle,
    phase: Phase,
    shut_rd: bool,
    shut_wr: bool,
}

#[derive(Clone, Copy)]
enum Slot {
    Free,
    /// A TCP socket not yet listening or connected (maybe bound).
    TcpFresh { local: Option<Endpoint>, opts: TcpOpts },
    TcpListening { local: Endpoint, pool: usize, backlog: usize, opts: TcpOpts },
    TcpStream { s: Stream, opts: TcpOpts },
    Udp { sock: SocketHandle, local: Option<Endpoint>, peer: Option<Endpoint>, shut_rd: bool, shut_wr: bool },
}

#[derive(Clone, Copy, Default)]
struct TcpOpts {
    nodelay: bool,
    keepalive_ms: u32,
    abort_on_close: bool,
}

/// A closed connection still delivering its last data.
#[derive(Clone, Copy)]
struct Orphan {
    sock: SocketHandle,
    give_up: Instant,
    aborted: bool,
    /// When it entered TIME-WAIT.
    time_wait: Option<Instant>,
}

/// The page run behind one smoltcp socket.
#[derive(Clone, Copy)]
struct Owned {
    sock: SocketHandle,
    mem: *mut u8,
    bytes: usize,
}

pub struct Stack<D: Device> {
    /// The device, with packets to ourselves turned around (loopback.rs).
    dev: Looped<D>,
    iface: Interface,
    sockets: SocketSet<'static>,
    live: usize,
    capacity: usize,
    owned: [Option<Owned>; MAX_SOCKETS],
    slots: [Slot; MAX_HANDLES],
    pools: [[Option<SocketHandle>; MAX_BACKLOG]; MAX_LISTENERS],
    pool_used: [bool; MAX_LISTENERS],
    orphans: [Option<Orphan>; MAX_SOCKETS],
    mem: Memory,
    log: fn(fmt::Arguments),
    mac: [u8; 6],
    next_port: u16,
    mode: Mode,
    fixed: Static,
    dhcp: Option<SocketHandle>,
    fallback_at: Option<Instant>,
    info: Ipv4Info,
    /// `halvm.dns=`: the DNS server, over whatever the lease offers.
    dns_override: Option<config::DnsServer>,
    /// When our own addresses are next announced to smoltcp's neighbour
    /// cache (loopback.rs), before its entries (60 s) expire.
    announce_at: Instant,
}

/// How often the own addresses are announced (see `announce_at`).
const ANNOUNCE_EVERY: Duration = Duration::from_secs(20);

fn ip4(a: [u8; 4]) -> Ipv4Address {
    Ipv4Address::new(a[0], a[1], a[2], a[3])
}

/// 127.0.0.0/8 other than 127.0.0.1: the interface owns 127.0.0.1 only
/// (smoltcp matches addresses exactly), and smoltcp would send packets for
/// the rest to the gateway; they fail at once instead.
fn is_unreachable_loopback(addr: u32) -> bool {
    addr >> 24 == 127 && addr != LOCALHOST
}

fn tcp_acceptable(state: tcp::State) -> bool {
    !matches!(state, tcp::State::Listen | tcp::State::SynSent | tcp::State::SynReceived | tcp::State::Closed)
}

impl<D: Device> Stack<D> {
    /// A stack on `dev` with hardware address `mac`, configured as
    /// `cfg` says; `storage` holds MAX_SOCKETS smoltcp socket slots.
    pub fn new(dev: D, mac: [u8; 6], cfg: config::Config, storage: &'static mut [SocketStorage<'static>],
               mem: Memory, log: fn(fmt::Arguments), seed: u64, now: Instant) -> Stack<D> {
        let mut ic = IfaceConfig::new(HardwareAddress::Ethernet(EthernetAddress(mac)));
        ic.random_seed = seed;
        let mut dev = Looped::new(dev, mac, mem);
        let iface = Interface::new(ic, &mut dev, now);
        let capacity = storage.len().min(MAX_SOCKETS);
        let mut stack = Stack {
            dev,
            iface,
            sockets: SocketSet::new(&mut storage[..capacity]),
            live: 0,
            capacity,
            owned: [None; MAX_SOCKETS],
            slots: [Slot::Free; MAX_HANDLES],
            pools: [[None; MAX_BACKLOG]; MAX_LISTENERS],
            pool_used: [false; MAX_LISTENERS],
            orphans: [None; MAX_SOCKETS],
            mem,
            log,
            mac,
            next_port: EPHEMERAL_FIRST + (seed % (65535 - EPHEMERAL_FIRST as u64)) as u16,
            mode: cfg.mode,
            fixed: cfg.fixed,
            dhcp: None,
            fallback_at: None,
            info: Ipv4Info { address: None, gateway: None, dns: None, source: Source::None },
            dns_override: cfg.dns,
            announce_at: now,
        };
        stack.install_addresses(None, None);
        match cfg.mode {
            Mode::Static => stack.apply_static(Source::Static),
            Mode::DhcpOnly | Mode::DhcpWithFallback => {
                stack.live += 1;
                stack.dhcp = Some(stack.sockets.add(dhcpv4::Socket::new()));
                if cfg.mode == Mode::DhcpWithFallback {
                    stack.fallback_at = Some(now + Duration::from_millis(config::DHCP_FALLBACK_MS));
                }
            }
            Mode::Off => {}
        }
        stack
    }

    pub fn mac(&self) -> [u8; 6] {
        self.mac
    }

    pub fn ipv4(&self) -> Ipv4Info {
        self.info
    }

    /// The device, for the driver's own bookkeeping.
    pub fn device(&mut self) -> &mut D {
        self.dev.inner()
    }

    /// Whether packets to ourselves wait to be processed (poll again
    /// before halting).
    pub fn loop_pending(&self) -> bool {
        self.dev.pending()
    }

    /// Packets turned around to ourselves, and ones dropped for a full
    /// loopback queue.
    pub fn loop_counts(&self) -> (u64, u64) {
        (self.dev.looped, self.dev.dropped)
    }

    // ------------------------------------------------------ configuration

    /// The interface's addresses: `address` first (smoltcp takes the
    /// first as the source towards other networks), then 127.0.0.1/8,
    /// which it always has.
    fn install_addresses(&mut self, address: Option<([u8; 4], u8)>, gateway: Option<[u8; 4]>) {
        self.iface.update_ip_addrs(|addrs| {
            addrs.clear();
            if let Some((a, n)) = address {
                let _ = addrs.push(IpCidr::Ipv4(Ipv4Cidr::new(ip4(a), n)));
            }
            let _ = addrs.push(IpCidr::Ipv4(Ipv4Cidr::new(Ipv4Address::from_bits(LOCALHOST), 8)));
        });
        self.dev.set_address(address.map_or(0, |(a, _)| u32::from_be_bytes(a)));
        self.dev.announce();
        self.iface.routes_mut().remove_default_ipv4_route();
        if let (Some(gw), Some(_)) = (gateway, address) {
            let _ = self.iface.routes_mut().add_default_ipv4_route(ip4(gw));
        }
    }

    fn set_address(&mut self, address: Option<([u8; 4], u8)>, gateway: Option<[u8; 4]>, dns: Option<[u8; 4]>, source: Source) {
        let dns = self.dns_override.map(|d| d.address).or(dns);
        self.install_addresses(address, gateway);
        self.info = Ipv4Info { address, gateway, dns, source };
        let how = match source {
            Source::Dhcp => "DHCP",
            Source::Static => "static",
            Source::Fallback => "static fallback: no DHCP lease",
            Source::None => "none",
        };
        let m = self.mac;
        match address {
            Some((a, n)) => (self.log)(format_args!(
                "halvm: net: eth0 {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x} address {}.{}.{}.{}/{} gateway {} dns {}{} ({how})",
                m[0], m[1], m[2], m[3], m[4], m[5], a[0], a[1], a[2], a[3], n, Dotted(gateway), Dotted(dns),
                DnsPort(self.dns_port()))),
            None => (self.log)(format_args!("halvm: net: eth0 has no address ({how})")),
        }
    }

    /// The DNS server's port: 53 unless `halvm.dns=` named another.
    fn dns_port(&self) -> u16 {
        self.dns_override.map_or(super::dns::PORT, |d| d.port)
    }

    /// The DNS server the resolver asks (resolver.rs): `halvm.dns=`'s,
    /// else the lease's or the static plan's; None without one.
    pub fn dns_server(&self) -> Option<Endpoint> {
        self.info.dns.map(|a| Endpoint::new(u32::from_be_bytes(a), self.dns_port()))
    }

    fn apply_static(&mut self, source: Source) {
        let f = self.fixed;
        self.set_address(Some((f.address, f.prefix)), f.gateway, f.dns, source);
    }

    fn service_dhcp(&mut self, now: Instant) {
        if let Some(h) = self.dhcp {
            let event = self.sockets.get_mut::<dhcpv4::Socket>(h).poll().map(|e| match e {
                dhcpv4::Event::Configured(c) => Some((
                    c.address.address().octets(),
                    c.address.prefix_len(),
                    c.router.map(|r| r.octets()),
                    c.dns_servers.first().map(|d| d.octets()),
                )),
                dhcpv4::Event::Deconfigured => None,
            });
            match event {
                Some(Some((a, n, gw, dns))) => {
                    self.fallback_at = None;
                    self.set_address(Some((a, n)), gw, dns, Source::Dhcp);
                }
                // (smoltcp also reports Deconfigured when it starts)
                Some(None) if self.info.source != Source::Dhcp => {}
                Some(None) if self.mode == Mode::DhcpWithFallback => self.apply_static(Source::Fallback),
                Some(None) => self.set_address(None, None, None, Source::None),
                None => {}
            }
        }
        if self.fallback_at.is_some_and(|t| now >= t) {
            self.fallback_at = None;
            if self.info.source != Source::Dhcp {
                self.apply_static(Source::Fallback);
            }
        }
    }

    // -------------------------------------------------------- the engine

    /// Moves packets both ways and runs timers; true when socket states may
    /// have changed.
    pub fn poll(&mut self, now: Instant) -> bool {
        let mut changed = false;
        if now >= self.announce_at {
            self.announce_at = now + ANNOUNCE_EVERY;
            self.dev.announce();
        }
        // smoltcp handles a bounded burst per call; go on while it works.
        for _ in 0..64 {
            if self.iface.poll(now, &mut self.dev, &mut self.sockets) == PollResult::None {
                break;
            }
            changed = true;
        }
        self.service_dhcp(now);
        self.reap_orphans(now);
        self.refill_pools();
        // A connection may complete and fail before its owner looks: note
        // completions now, so a later reset is not taken for a refusal.
        for h in 0..MAX_HANDLES {
            if let Slot::TcpStream { s: Stream { phase: Phase::Connecting { .. }, .. }, .. } = self.slots[h] {
                let _ = self.refresh(h as i32, now);
            }
        }
        changed
    }

    /// When the stack next needs polling (timers), None when only a packet
    /// can make work.
    pub fn poll_at(&mut self, now: Instant) -> Option<Instant> {
        let t = self.iface.poll_at(now, &self.sockets);
        match (t, self.fallback_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ------------------------------------------------------ socket memory

    /// A new smoltcp socket; when the table or the memory is full, closed
    /// connections waiting in TIME-WAIT give way, oldest first (as Linux
    /// recycles them): a server closing a few hundred connections a second
    /// would otherwise refuse new ones until their 2 s ran out.
    fn add_socket(&mut self, kind: Kind) -> Result<SocketHandle, i32> {
        loop {
            match self.try_add_socket(kind) {
                Err(ENOBUFS) if self.reclaim_oldest_time_wait() => continue,
                result => return result,
            }
        }
    }

    /// Drops the connection longest in TIME-WAIT; false if none is.
    fn reclaim_oldest_time_wait(&mut self) -> bool {
        let sockets = &self.sockets;
        let oldest = (0..MAX_SOCKETS)
            .filter_map(|i| Some((i, self.orphans[i]?)))
            .filter(|(_, o)| sockets.get::<tcp::Socket>(o.sock).state() == tcp::State::TimeWait)
            // one that has just entered it (no time noted yet) is the youngest
            .min_by_key(|(_, o)| o.time_wait.map_or(i64::MAX, |t| t.total_millis()));
        let Some((i, o)) = oldest else { return false };
        self.remove_socket(o.sock);
        self.orphans[i] = None;
        true
    }

    fn try_add_socket(&mut self, kind: Kind) -> Result<SocketHandle, i32> {
        if self.live >= self.capacity {
            return Err(ENOBUFS);
        }
        let Some(slot) = self.owned.iter().position(Option::is_none) else { return Err(ENOBUFS) };
        let bytes = match kind {
            Kind::Tcp => TCP_RX_BYTES + TCP_TX_BYTES,
            Kind::Udp => 2 * UDP_BYTES + 2 * UDP_PACKETS * core::mem::size_of::<PacketMetadata<udp::UdpMetadata>>(),
        };
        let mem = (self.mem.alloc)(bytes).ok_or(ENOBUFS)?;
        // SAFETY: `bytes` fresh, zeroed, page-aligned bytes that only this
        // socket uses until remove_socket gives them back after smoltcp
        // dropped the socket.
        let handle = unsafe {
            match kind {
                Kind::Tcp => {
                    let rx = core::slice::from_raw_parts_mut(mem, TCP_RX_BYTES);
                    let tx = core::slice::from_raw_parts_mut(mem.add(TCP_RX_BYTES), TCP_TX_BYTES);
                    self.sockets.add(tcp::Socket::new(tcp::SocketBuffer::new(rx), tcp::SocketBuffer::new(tx)))
                }
                Kind::Udp => {
                    let meta = mem.add(2 * UDP_BYTES) as *mut PacketMetadata<udp::UdpMetadata>;
                    for i in 0..2 * UDP_PACKETS {
                        meta.add(i).write(PacketMetadata::EMPTY);
                    }
                    let rx_meta = core::slice::from_raw_parts_mut(meta, UDP_PACKETS);
                    let tx_meta = core::slice::from_raw_parts_mut(meta.add(UDP_PACKETS), UDP_PACKETS);
                    let rx = core::slice::from_raw_parts_mut(mem, UDP_BYTES);
                    let tx = core::slice::from_raw_parts_mut(mem.add(UDP_BYTES), UDP_BYTES);
                    self.sockets.add(udp::Socket::new(udp::PacketBuffer::new(rx_meta, rx), udp::PacketBuffer::new(tx_meta, tx)))
                }
            }
        };
        self.live += 1;
        self.owned[slot] = Some(Owned { sock: handle, mem, bytes });
        Ok(handle)
    }

    fn remove_socket(&mut self, h: SocketHandle) {
        drop(self.sockets.remove(h));
        self.live -= 1;
        if let Some(o) = self.owned.iter_mut().find(|o| o.is_some_and(|o| o.sock == h)) {
            let Owned { mem, bytes, .. } = o.take().unwrap();
            (self.mem.free)(mem, bytes);
        }
    }

    fn tcp(&mut self, h: SocketHandle) -> &mut tcp::Socket<'static> {
        self.sockets.get_mut::<tcp::Socket>(h)
    }

    fn udp(&mut self, h: SocketHandle) -> &mut udp::Socket<'static> {
        self.sockets.get_mut::<udp::Socket>(h)
    }

    // ------------------------------------------------------------- ports

    fn port_in_use(&self, kind: Kind, port: u16) -> bool {
        self.slots.iter().any(|s| match (*s, kind) {
            (Slot::TcpFresh { local: Some(l), .. }, Kind::Tcp) => l.port == port,
            (Slot::TcpListening { local, .. }, Kind::Tcp) => local.port == port,
            (Slot::TcpStream { s, .. }, Kind::Tcp) =>
                self.sockets.get::<tcp::Socket>(s.sock).local_endpoint().is_some_and(|l| l.port == port),
            (Slot::Udp { local: Some(l), .. }, Kind::Udp) => l.port == port,
            _ => false,
        }) || (kind == Kind::Tcp && self.orphans.iter().flatten().any(|o| {
            self.sockets.get::<tcp::Socket>(o.sock).local_endpoint().is_some_and(|l| l.port == port)
        }))
    }

    fn ephemeral_port(&mut self, kind: Kind) -> Result<u16, i32> {
        for _ in EPHEMERAL_FIRST..=u16::MAX {
            let p = self.next_port;
            self.next_port = if p == u16::MAX { EPHEMERAL_FIRST } else { p + 1 };
            if !self.port_in_use(kind, p) {
                return Ok(p);
            }
        }
        Err(EADDRINUSE)
    }

    fn is_local_address(&self, addr: u32) -> bool {
        addr == 0 || addr == LOCALHOST || self.info.address.is_some_and(|(a, _)| u32::from_be_bytes(a) == addr)
    }

    // ---------------------------------------------------------- handles

    fn slot(&self, h: i32) -> Result<Slot, i32> {
        usize::try_from(h).ok().and_then(|i| self.slots.get(i).copied()).filter(|s| !matches!(s, Slot::Free)).ok_or(EBADF)
    }

    fn set(&mut self, h: i32, s: Slot) {
        self.slots[h as usize] = s;
    }

    fn free_handle(&self) -> Result<usize, i32> {
        self.slots.iter().position(|s| matches!(s, Slot::Free)).ok_or(EMFILE)
    }

    /// A new socket handle (halvm_net_socket).
    pub fn socket(&mut self, kind: Kind) -> Result<i32, i32> {
        if self.mode == Mode::Off {
            return Err(ENETDOWN);
        }
        let i = self.free_handle()?;
        self.slots[i] = match kind {
            Kind::Tcp => Slot::TcpFresh { local: None, opts: TcpOpts::default() },
            Kind::Udp => Slot::Udp { sock: self.add_socket(Kind::Udp)?, local: None, peer: None, shut_rd: false, shut_wr: false },
        };
        Ok(i as i32)
    }

    pub fn kind(&self, h: i32) -> Result<Kind, i32> {
        Ok(match self.slot(h)? {
            Slot::Udp { .. } => Kind::Udp,
            _ => Kind::Tcp,
        })
    }

    /// Binds to `local` (address 0: any; port 0: an ephemeral port).
    pub fn bind(&mut self, h: i32, local: Endpoint) -> Result<(), i32> {
        let slot = self.slot(h)?;
        if !self.is_local_address(local.addr) {
            return Err(EADDRNOTAVAIL);
        }
        let kind = self.kind(h)?;
        let already = matches!(slot, Slot::TcpFresh { local: Some(_), .. } | Slot::Udp { local: Some(_), .. });
        if already || matches!(slot, Slot::TcpListening { .. } | Slot::TcpStream { .. }) {
            return Err(EINVAL);
        }
        let port = if local.port == 0 { self.ephemeral_port(kind)? } else { local.port };
        if local.port != 0 && self.port_in_use(kind, port) {
            return Err(EADDRINUSE);
        }
        let local = Endpoint::new(local.addr, port);
        match slot {
            Slot::TcpFresh { opts, .. } => self.set(h, Slot::TcpFresh { local: Some(local), opts }),
            Slot::Udp { sock, peer, shut_rd, shut_wr, .. } => {
                self.udp(sock).bind(local.listen()).map_err(|_| EINVAL)?;
                self.set(h, Slot::Udp { sock, local: Some(local), peer, shut_rd, shut_wr });
            }
            _ => unreachable!(),
        }
        Ok(())
    }

    fn new_listener(&mut self, local: Endpoint, opts: TcpOpts) -> Option<SocketHandle> {
        let s = self.add_socket(Kind::Tcp).ok()?;
        let sock = self.tcp(s);
        sock.set_nagle_enabled(!opts.nodelay);
        if sock.listen(local.listen()).is_err() {
            self.remove_socket(s);
            return None;
        }
        Some(s)
    }

    /// Starts listening with a pool of min(backlog, MAX_BACKLOG) smoltcp
    /// listeners (at least one); an unbound socket gets an ephemeral port.
    pub fn listen(&mut self, h: i32, backlog: i32) -> Result<(), i32> {
        let (local, opts) = match self.slot(h)? {
            Slot::TcpFresh { local, opts } => (local, opts),
            Slot::TcpListening { local, pool, opts, .. } => {
                // Linux lets listen() change the backlog.
                let backlog = (backlog.max(1) as usize).min(MAX_BACKLOG);
                self.set(h, Slot::TcpListening { local, pool, backlog, opts });
                self.refill_pools();
                return Ok(());
            }
            Slot::TcpStream { .. } => return Err(EINVAL),
            Slot::Udp { .. } => return Err(EOPNOTSUPP),
            Slot::Free => unreachable!(),
        };
        let local = match local {
            Some(l) => l,
            None => Endpoint::new(0, self.ephemeral_port(Kind::Tcp)?),
        };
        let pool = self.pool_used.iter().position(|u| !u).ok_or(ENOBUFS)?;
        let backlog = (backlog.max(1) as usize).min(MAX_BACKLOG);
        let first = self.new_listener(local, opts).ok_or(ENOBUFS)?;
        self.pool_used[pool] = true;
        self.pools[pool] = [None; MAX_BACKLOG];
        self.pools[pool][0] = Some(first);
        self.set(h, Slot::TcpListening { local, pool, backlog, opts });
        self.refill_pools();
        Ok(())
    }

    /// Tops every listening pool up to its backlog (pool sockets that were
    /// reset during their handshake listen again).
    fn refill_pools(&mut self) {
        for h in 0..MAX_HANDLES {
            let Slot::TcpListening { local, pool, backlog, opts } = self.slots[h] else { continue };
            for i in 0..MAX_BACKLOG {
                match self.pools[pool][i] {
                    Some(s) if i < backlog => {
                        let sock = self.tcp(s);
                        if sock.state() == tcp::State::Closed {
                            let _ = sock.listen(local.listen());
                        }
                    }
                    Some(s) => {
                        // the backlog shrank: drop idle listeners beyond it
                        if self.tcp(s).state() == tcp::State::Listen {
                            self.remove_socket(s);
                            self.pools[pool][i] = None;
                        }
                    }
                    None if i < backlog => match self.new_listener(local, opts) {
                        Some(s) => self.pools[pool][i] = Some(s),
                        None => return,
                    },
                    None => {}
                }
            }
        }
    }

    /// A connection that completed its handshake, as a new handle, with
    /// its peer; EAGAIN when none has.
    pub fn accept(&mut self, h: i32) -> Result<(i32, Endpoint), i32> {
        let Slot::TcpListening { pool, opts, .. } = self.slot(h)? else { return Err(EINVAL) };
        let Some(i) = (0..MAX_BACKLOG).find(|&i| {
            self.pools[pool][i].is_some_and(|s| tcp_acceptable(self.sockets.get::<tcp::Socket>(s).state()))
        }) else {
            return Err(EAGAIN);
        };
        let n = self.free_handle()?;
        let s = self.pools[pool][i].take().unwrap();
        let peer = self.tcp(s).remote_endpoint().map(Endpoint::from_ip).unwrap_or_default();
        self.apply_opts(s, opts);
        self.slots[n] = Slot::TcpStream { s: Stream { sock: s, phase: Phase::Open, shut_rd: false, shut_wr: false }, opts };
        self.refill_pools();
        Ok((n as i32, peer))
    }

    fn apply_opts(&mut self, s: SocketHandle, opts: TcpOpts) {
        let sock = self.tcp(s);
        sock.set_nagle_enabled(!opts.nodelay);
        sock.set_keep_alive((opts.keepalive_ms != 0).then(|| Duration::from_millis(opts.keepalive_ms as u64)));
    }

    /// Starts a TCP connection (EINPROGRESS: completion shows as
    /// writability, the result through `take_error`), or sets a UDP
    /// socket's peer (address 0 and port 0 remove it).
    pub fn connect(&mut self, h: i32, remote: Endpoint, now: Instant) -> Result<(), i32> {
        match self.slot(h)? {
            Slot::Udp { sock, local, shut_rd, shut_wr, .. } => {
                if remote.addr == 0 && remote.port == 0 {
                    self.set(h, Slot::Udp { sock, local, peer: None, shut_rd, shut_wr });
                    return Ok(());
                }
                if remote.port == 0 {
                    return Err(EINVAL);
                }
                if local.is_none() {
                    self.bind(h, Endpoint::default())?;
                }
                let Slot::Udp { local, .. } = self.slot(h)? else { unreachable!() };
                self.set(h, Slot::Udp { sock, local, peer: Some(remote), shut_rd, shut_wr });
                Ok(())
            }
            Slot::TcpFresh { local, opts } => {
                if remote.addr == 0 || remote.port == 0 {
                    return Err(ECONNREFUSED);
                }
                if is_unreachable_loopback(remote.addr) {
                    return Err(ENETUNREACH);
                }
                if self.info.address.is_none() && remote.addr != LOCALHOST {
                    return Err(ENETUNREACH);
                }
                let local = match local {
                    Some(l) => l,
                    None => Endpoint::new(0, self.ephemeral_port(Kind::Tcp)?),
                };
                let s = self.add_socket(Kind::Tcp)?;
                self.apply_opts(s, opts);
                let cx = self.iface.context();
                let sock = self.sockets.get_mut::<tcp::Socket>(s);
                sock.set_timeout(Some(CONNECT_TIMEOUT));
                if sock.connect(cx, remote.to_ip(), local.listen()).is_err() {
                    self.remove_socket(s);
                    return Err(EINVAL);
                }
                let s = Stream { sock: s, phase: Phase::Connecting { since: now }, shut_rd: false, shut_wr: false };
                self.set(h, Slot::TcpStream { s, opts });
                Err(EINPROGRESS)
            }
            Slot::TcpStream { .. } => {
                let s = self.refresh(h, now)?;
                match s.phase {
                    Phase::Connecting { .. } => Err(EALREADY),
                    Phase::Failed(e) => Err(self.report_failure(h, e)),
                    _ => Err(EISCONN),
                }
            }
            Slot::TcpListening { .. } => Err(EINVAL),
            Slot::Free => unreachable!(),
        }
    }

    fn set_phase(&mut self, h: i32, phase: Phase) {
        if let Slot::TcpStream { mut s, opts } = self.slots[h as usize] {
            s.phase = phase;
            self.slots[h as usize] = Slot::TcpStream { s, opts };
        }
    }

    /// A failed connection's errno is reported once, by the call that
    /// meets it first (or SO_ERROR); from then on the stream is over.
    fn report_failure(&mut self, h: i32, e: i32) -> i32 {
        self.set_phase(h, Phase::Dead);
        e
    }

    /// Where send and recv on a connected stream start: its refreshed
    /// state when open; None when the connection is over (send then fails
    /// with EPIPE, recv sees the end of the stream); EAGAIN while it is
    /// still connecting, and a failure's errno (reported once).
    fn open_stream(&mut self, h: i32, now: Instant) -> Result<Option<Stream>, i32> {
        let s = self.refresh(h, now)?;
        match s.phase {
            Phase::Connecting { .. } => Err(EAGAIN),
            Phase::Failed(e) => Err(self.report_failure(h, e)),
            Phase::Dead => Ok(None),
            Phase::Open => Ok(Some(s)),
        }
    }

    /// Brings a stream's phase up to date with its smoltcp state.
    fn refresh(&mut self, h: i32, now: Instant) -> Result<Stream, i32> {
        let Slot::TcpStream { mut s, opts } = self.slot(h)? else { return Err(EINVAL) };
        let state = self.tcp(s.sock).state();
        s.phase = match s.phase {
            Phase::Connecting { since } => match state {
                tcp::State::SynSent => Phase::Connecting { since },
                tcp::State::Closed if now >= since + CONNECT_TIMEOUT => Phase::Failed(ETIMEDOUT),
                tcp::State::Closed => Phase::Failed(ECONNREFUSED),
                _ => {
                    self.tcp(s.sock).set_timeout(None);
                    Phase::Open
                }
            },
            // Closed without our FIN: the peer reset the connection, or a
            // timeout (keep-alive) gave it up.
            Phase::Open if state == tcp::State::Closed && !s.shut_wr => Phase::Failed(ECONNRESET),
            p => p,
        };
        self.slots[h as usize] = Slot::TcpStream { s, opts };
        Ok(s)
    }

    /// SO_ERROR: the pending error (0 if none), cleared by reading it.
    pub fn take_error(&mut self, h: i32, now: Instant) -> Result<i32, i32> {
        match self.slot(h)? {
            Slot::TcpStream { .. } => {
                if let Phase::Failed(e) = self.refresh(h, now)?.phase {
                    return Ok(self.report_failure(h, e));
                }
                Ok(0)
            }
            _ => Ok(0),
        }
    }

    /// Queues bytes (TCP) or one datagram (UDP, to `to` or the peer).
    pub fn send(&mut self, h: i32, data: &[u8], to: Option<Endpoint>, now: Instant) -> Result<usize, i32> {
        match self.slot(h)? {
            Slot::TcpFresh { .. } | Slot::TcpListening { .. } => Err(ENOTCONN),
            Slot::TcpStream { .. } => {
                let Some(s) = self.open_stream(h, now)? else { return Err(EPIPE) };
                if s.shut_wr {
                    return Err(EPIPE);
                }
                if data.is_empty() {
                    return Ok(0);
                }
                match self.tcp(s.sock).send_slice(data) {
                    Ok(0) => Err(EAGAIN),
                    Ok(n) => Ok(n),
                    Err(_) => Err(EPIPE),
                }
            }
            Slot::Udp { sock, local, peer, shut_wr, .. } => {
                if shut_wr {
                    return Err(EPIPE);
                }
                let Some(to) = to.or(peer) else { return Err(EDESTADDRREQ) };
                if to.port == 0 {
                    return Err(EINVAL);
                }
                if data.len() > UDP_MAX_PAYLOAD || data.len() > UDP_BYTES {
                    return Err(EMSGSIZE);
                }
                if is_unreachable_loopback(to.addr) {
                    return Err(ENETUNREACH);
                }
                if self.info.address.is_none() && to.addr != u32::MAX && to.addr != LOCALHOST {
                    return Err(ENETUNREACH);
                }
                if local.is_none() {
                    self.bind(h, Endpoint::default())?;
                }
                match self.udp(sock).send_slice(data, to.to_ip()) {
                    Ok(()) => Ok(data.len()),
                    Err(udp::SendError::BufferFull) => Err(EAGAIN),
                    Err(udp::SendError::Unaddressable) => Err(ENETUNREACH),
                }
            }
            Slot::Free => unreachable!(),
        }
    }

    /// Takes (or with `peek` copies) received bytes. Returns the bytes
    /// copied and, for UDP, the datagram's full length (more than copied
    /// when `buf` was too small; the rest is discarded) and its sender.
    /// Ok((0, 0)) is the end of a TCP stream.
    pub fn recv(&mut self, h: i32, buf: &mut [u8], peek: bool, now: Instant) -> Result<(usize, usize, Option<Endpoint>), i32> {
        match self.slot(h)? {
            Slot::TcpFresh { .. } | Slot::TcpListening { .. } => Err(ENOTCONN),
            Slot::TcpStream { .. } => {
                let Some(s) = self.open_stream(h, now)? else { return Ok((0, 0, None)) };
                if s.shut_rd {
                    return Ok((0, 0, None));
                }
                let sock = self.tcp(s.sock);
                let r = if peek { sock.peek_slice(buf) } else { sock.recv_slice(buf) };
                match r {
                    Ok(0) if !buf.is_empty() => Err(EAGAIN),
                    Ok(n) => Ok((n, n, None)),
                    Err(_) => Ok((0, 0, None)),
                }
            }
            Slot::Udp { sock, peer, shut_rd, .. } => {
                if shut_rd {
                    return Ok((0, 0, None));
                }
                let sock = self.udp(sock);
                loop {
                    let Ok((data, meta)) = sock.peek() else { return Err(EAGAIN) };
                    let from = Endpoint::from_ip(meta.endpoint);
                    // a connected socket only hears its peer (Linux too)
                    if peer.is_some_and(|p| p != from) {
                        let _ = sock.recv();
                        continue;
                    }
                    let n = data.len().min(buf.len());
                    buf[..n].copy_from_slice(&data[..n]);
                    let full = data.len();
                    if !peek {
                        let _ = sock.recv();
                    }
                    return Ok((n, full, Some(from)));
                }
            }
            Slot::Free => unreachable!(),
        }
    }

    /// SHUT_RD (0), SHUT_WR (1) or SHUT_RDWR (2).
    pub fn shutdown(&mut self, h: i32, how: i32, now: Instant) -> Result<(), i32> {
        if !(0..=2).contains(&how) {
            return Err(EINVAL);
        }
        let (rd, wr) = (how != 1, how != 0);
        match self.slot(h)? {
            Slot::TcpStream { .. } => {
                let mut s = self.refresh(h, now)?;
                if matches!(s.phase, Phase::Connecting { .. }) {
                    return Err(ENOTCONN);
                }
                s.shut_rd |= rd;
                if wr && !s.shut_wr {
                    s.shut_wr = true;
                    self.tcp(s.sock).close();
                }
                let Slot::TcpStream { opts, .. } = self.slots[h as usize] else { unreachable!() };
                self.set(h, Slot::TcpStream { s, opts });
                Ok(())
            }
            Slot::Udp { sock, local, peer, shut_rd, shut_wr } => {
                if peer.is_none() {
                    return Err(ENOTCONN);
                }
                self.set(h, Slot::Udp { sock, local, peer, shut_rd: shut_rd || rd, shut_wr: shut_wr || wr });
                Ok(())
            }
            _ => Err(ENOTCONN),
        }
    }

    /// Releases the handle. A TCP connection goes on in the background
    /// until its queued data is delivered and the peer acknowledged the
    /// FIN (at most LINGER_LIMIT), unless abort-on-close was set: then it
    /// is reset.
    pub fn close(&mut self, h: i32, now: Instant) -> Result<(), i32> {
        match self.slot(h)? {
            Slot::TcpFresh { .. } => {}
            Slot::TcpListening { pool, .. } => {
                for i in 0..MAX_BACKLOG {
                    if let Some(s) = self.pools[pool][i].take() {
                        self.tcp(s).abort();
                        self.orphan(s, now, true);
                    }
                }
                self.pool_used[pool] = false;
            }
            Slot::TcpStream { s, opts } => {
                let sock = self.tcp(s.sock);
                if opts.abort_on_close {
                    sock.abort();
                    self.orphan(s.sock, now, true);
                } else if sock.state() == tcp::State::Closed {
                    self.remove_socket(s.sock);
                } else {
                    sock.close();
                    self.orphan(s.sock, now, false);
                }
            }
            Slot::Udp { sock, .. } => self.remove_socket(sock),
            Slot::Free => unreachable!(),
        }
        self.set(h, Slot::Free);
        Ok(())
    }

    fn orphan(&mut self, sock: SocketHandle, now: Instant, aborted: bool) {
        match self.orphans.iter_mut().find(|o| o.is_none()) {
            Some(o) => *o = Some(Orphan { sock, give_up: now + LINGER_LIMIT, aborted, time_wait: None }),
            // cannot happen (as many orphan slots as sockets); if it did,
            // dropping the connection at once is the safe choice
            None => self.remove_socket(sock),
        }
    }

    fn reap_orphans(&mut self, now: Instant) {
        for i in 0..MAX_SOCKETS {
            let Some(o) = self.orphans[i] else { continue };
            let state = self.tcp(o.sock).state();
            // An aborted socket has sent its RST by now (this runs after a
            // poll). A TIME-WAIT one is kept for TIME_WAIT_KEPT, long enough
            // to send its (maybe delayed) last ACK and to answer a FIN the
            // peer repeats because that ACK was lost, instead of smoltcp's
            // 10 s: the memory matters more here than very late duplicates.
            if state == tcp::State::TimeWait {
                match o.time_wait {
                    None => self.orphans[i] = Some(Orphan { time_wait: Some(now), ..o }),
                    Some(t) if now >= t + TIME_WAIT_KEPT => {
                        self.remove_socket(o.sock);
                        self.orphans[i] = None;
                    }
                    Some(_) => {}
                }
            } else if o.aborted || state == tcp::State::Closed {
                self.remove_socket(o.sock);
                self.orphans[i] = None;
            } else if now >= o.give_up {
                self.tcp(o.sock).abort();
                self.orphans[i] = Some(Orphan { aborted: true, ..o });
            }
        }
    }

    pub fn local(&mut self, h: i32) -> Result<Endpoint, i32> {
        Ok(match self.slot(h)? {
            Slot::TcpFresh { local, .. } => local.unwrap_or_default(),
            Slot::TcpListening { local, .. } => local,
            Slot::TcpStream { s, .. } => self.tcp(s.sock).local_endpoint().map(Endpoint::from_ip).unwrap_or_default(),
            Slot::Udp { local, .. } => local.unwrap_or_default(),
            Slot::Free => unreachable!(),
        })
    }

    pub fn peer(&mut self, h: i32, now: Instant) -> Result<Endpoint, i32> {
        match self.slot(h)? {
            Slot::TcpStream { .. } => {
                let s = self.refresh(h, now)?;
                match s.phase {
                    Phase::Open => self.tcp(s.sock).remote_endpoint().map(Endpoint::from_ip).ok_or(ENOTCONN),
                    _ => Err(ENOTCONN),
                }
            }
            Slot::Udp { peer, .. } => peer.ok_or(ENOTCONN),
            _ => Err(ENOTCONN),
        }
    }

    pub fn set_opt(&mut self, h: i32, opt: Opt) -> Result<(), i32> {
        let slot = self.slot(h)?;
        let update = |o: &mut TcpOpts| match opt {
            Opt::NoDelay(v) => o.nodelay = v,
            Opt::KeepAliveMs(ms) => o.keepalive_ms = ms,
            Opt::AbortOnClose(v) => o.abort_on_close = v,
        };
        match slot {
            Slot::TcpFresh { local, mut opts } => {
                update(&mut opts);
                self.set(h, Slot::TcpFresh { local, opts });
            }
            Slot::TcpListening { local, pool, backlog, mut opts } => {
                update(&mut opts);
                self.set(h, Slot::TcpListening { local, pool, backlog, opts });
            }
            Slot::TcpStream { s, mut opts } => {
                update(&mut opts);
                self.apply_opts(s.sock, opts);
                self.set(h, Slot::TcpStream { s, opts });
            }
            Slot::Udp { .. } => return Err(ENOPROTOOPT),
            Slot::Free => unreachable!(),
        }
        Ok(())
    }

    /// Whether the socket is listening (SO_ACCEPTCONN).
    pub fn is_listening(&self, h: i32) -> Result<bool, i32> {
        Ok(matches!(self.slot(h)?, Slot::TcpListening { .. }))
    }

    /// READABLE / WRITABLE / ERROR / HANGUP, as poll() reports them.
    pub fn ready(&mut self, h: i32, now: Instant) -> Result<u32, i32> {
        Ok(match self.slot(h)? {
            // Linux: an unconnected stream socket reports POLLOUT|POLLHUP
            Slot::TcpFresh { .. } => WRITABLE | HANGUP,
            Slot::TcpListening { pool, .. } => {
                let any = self.pools[pool].iter().flatten()
                    .any(|&s| tcp_acceptable(self.sockets.get::<tcp::Socket>(s).state()));
                if any { READABLE } else { 0 }
            }
            Slot::TcpStream { .. } => {
                let s = self.refresh(h, now)?;
                let sock = self.sockets.get::<tcp::Socket>(s.sock);
                match s.phase {
                    Phase::Connecting { .. } => 0,
                    Phase::Failed(_) => READABLE | WRITABLE | ERROR | HANGUP,
                    Phase::Dead => READABLE | WRITABLE | HANGUP,
                    Phase::Open => {
                        let mut m = 0;
                        if s.shut_rd || sock.can_recv() || !sock.may_recv() {
                            m |= READABLE;
                        }
                        if s.shut_wr || sock.can_send() || !sock.may_send() {
                            m |= WRITABLE;
                        }
                        // Linux: POLLHUP once both directions are shut
                        if (s.shut_wr || !sock.may_send()) && !sock.may_recv() {
                            m |= HANGUP;
                        }
                        m
                    }
                }
            }
            Slot::Udp { sock, .. } => {
                let sock = self.udp(sock);
                (if sock.can_recv() { READABLE } else { 0 }) | (if sock.can_send() { WRITABLE } else { 0 })
            }
            Slot::Free => unreachable!(),
        })
    }

    /// Bytes waiting to be read (FIONREAD): the stream's, or the next
    /// datagram's.
    pub fn pending(&mut self, h: i32) -> Result<usize, i32> {
        Ok(match self.slot(h)? {
            Slot::TcpStream { s, .. } => self.tcp(s.sock).recv_queue(),
            Slot::Udp { sock, .. } => self.udp(sock).peek().map(|(d, _)| d.len()).unwrap_or(0),
            _ => 0,
        })
    }

    /// User handles and smoltcp sockets in use (for tests and leaks).
    #[cfg(test)]
    pub fn debug_states(&self) -> std::vec::Vec<std::string::String> {
        self.sockets.iter().map(|(h, s)| match s {
            smoltcp::socket::Socket::Tcp(t) => std::format!("{h}: tcp {}", t.state()),
            _ => std::format!("{h}: other"),
        }).collect()
    }

    pub fn usage(&self) -> (usize, usize) {
        (self.slots.iter().filter(|s| !matches!(s, Slot::Free)).count(), self.live)
    }
}

/// ":PORT" after the DNS server's address when it is not 53.
struct DnsPort(u16);

impl fmt::Display for DnsPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 != super::dns::PORT { write!(f, ":{}", self.0) } else { Ok(()) }
    }
}

/// Formats an optional address as dotted quad or "none".
struct Dotted(Option<[u8; 4]>);

impl fmt::Display for Dotted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(a) => write!(f, "{}.{}.{}.{}", a[0], a[1], a[2], a[3]),
            None => f.write_str("none"),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
