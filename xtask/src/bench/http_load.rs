//! The HTTP benchmark's load generator, on the host: HTTP/1.0 GETs on
//! fresh connections to 127.0.0.1:PORT, which QEMU's user networking
//! forwards to the guest's port 80 (network-demo's `httpLoop`). Every
//! answer is checked: a wrong one is an error, not a slow figure.
//!
//! QEMU listens for a forward with a backlog of 1, so a burst of connects
//! overflows the host kernel's accept queue and a connection then waits
//! for SYN retransmits (a second or more) before QEMU sees it. The clients
//! therefore take turns to connect, `spacing` apart ([`Pacer`]); the
//! latency figures show a stall that gets through anyway.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// Each request's deadline for every read and write.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// network-demo's `GET /big`: 10 MiB of [`big_byte`].
pub const BIG_SIZE: usize = 10 * 1024 * 1024;

/// The byte at offset `i` of `GET /big` (network-demo's `bigByte`: the top
/// byte of Knuth's multiplicative hash of `i`).
pub fn big_byte(i: usize) -> u8 {
    ((i as u32).wrapping_mul(2654435761) >> 24) as u8
}

/// An HTTP/1.0 answer: its status line and body.
#[derive(Debug, PartialEq)]
pub struct Response {
    pub status: String,
    pub body: Vec<u8>,
}

/// Splits an answer read to the end of the connection into status line
/// and body; the body's length must equal the header's Content-Length.
pub fn parse_response(all: &[u8]) -> Result<Response> {
    let shown = || String::from_utf8_lossy(&all[..all.len().min(200)]).into_owned();
    let end = all.windows(4).position(|w| w == b"\r\n\r\n").with_context(|| format!("no end of header in {:?}", shown()))?;
    let head = String::from_utf8_lossy(&all[..end]);
    let body = all[end + 4..].to_vec();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .with_context(|| format!("no Content-Length in {head:?}"))?
        .trim()
        .parse()
        .with_context(|| format!("a bad Content-Length in {head:?}"))?;
    if length != body.len() {
        bail!("Content-Length {length} but {} bytes of body (header {head:?})", body.len());
    }
    Ok(Response { status: head.lines().next().unwrap_or("").to_string(), body })
}

/// One GET of `path` on a fresh connection, read until the server closes.
pub fn get(port: u16, path: &str) -> Result<Response> {
    let c = TcpStream::connect(("127.0.0.1", port)).with_context(|| format!("GET {path}: connecting to port {port}"))?;
    exchange(c, path)
}

/// [`get`] on a connection already open.
fn exchange(mut c: TcpStream, path: &str) -> Result<Response> {
    c.set_read_timeout(Some(IO_TIMEOUT))?;
    c.set_write_timeout(Some(IO_TIMEOUT))?;
    c.write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes()).with_context(|| format!("GET {path}: sending"))?;
    let mut all = Vec::new();
    c.read_to_end(&mut all).with_context(|| format!("GET {path}: reading, after {} bytes", all.len()))?;
    parse_response(&all).with_context(|| format!("GET {path}"))
}

/// Checks `GET /hello/NAME`'s answer.
pub fn check_hello(name: &str, r: &Response) -> Result<()> {
    let want = format!("hello {name}\n");
    if r.status != "HTTP/1.0 200 OK" || r.body != want.as_bytes() {
        bail!("GET /hello/{name}: {:?} {:?}, not \"HTTP/1.0 200 OK\" {want:?}", r.status,
              String::from_utf8_lossy(&r.body[..r.body.len().min(200)]));
    }
    Ok(())
}

/// Checks `GET /big`'s answer byte by byte.
pub fn check_big(r: &Response) -> Result<()> {
    if r.status != "HTTP/1.0 200 OK" || r.body.len() != BIG_SIZE {
        bail!("GET /big: {:?} with {} bytes, not \"HTTP/1.0 200 OK\" with {BIG_SIZE}", r.status, r.body.len());
    }
    if let Some(i) = (0..r.body.len()).find(|&i| r.body[i] != big_byte(i)) {
        bail!("GET /big: byte {i} is {:#04x}, not {:#04x}", r.body[i], big_byte(i));
    }
    Ok(())
}

/// Waits until `GET /hello/ready` is answered rightly. Until the guest
/// listens, QEMU accepts the forwarded connection and closes it, so a
/// failed request is retried every 200 ms, for `give_up_after` at most;
/// `gave_up` (the guest ended) stops the wait early.
pub fn wait_until_serving(port: u16, give_up_after: Duration, gave_up: impl Fn() -> bool) -> Result<()> {
    let started = Instant::now();
    loop {
        let last = match get(port, "/hello/ready") {
            Ok(r) => match check_hello("ready", &r) {
                Ok(()) => return Ok(()),
                // A server that answers wrongly will not get better.
                Err(e) => return Err(e),
            },
            Err(e) => e,
        };
        if gave_up() {
            bail!("the guest ended before it answered HTTP (the last try: {last:#})");
        }
        if started.elapsed() >= give_up_after {
            bail!("no HTTP answer on port {port} within {} s (the last try: {last:#})", give_up_after.as_secs());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Hands out connect times at least `spacing` apart, to every client
/// thread in turn.
#[derive(Clone)]
pub struct Pacer {
    next: Arc<Mutex<Option<Instant>>>,
    spacing: Duration,
}

impl Pacer {
    pub fn new(spacing: Duration) -> Pacer {
        Pacer { next: Arc::new(Mutex::new(None)), spacing }
    }

    /// Returns when this caller may connect.
    pub fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.spacing);
            slot
        };
        let now = Instant::now();
        if slot > now {
            std::thread::sleep(slot - now);
        }
    }
}

/// One run of small requests: how many, how long they took in all, and
/// each one's time (connect to the server's close).
#[derive(Debug, Clone)]
pub struct RequestRun {
    pub requests: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

impl RequestRun {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// `requests` GETs of `/hello/cCLIENT-N` by `clients` threads at once,
/// each request on a fresh connection, connects paced by `pacer`.
pub fn hello_requests(port: u16, clients: usize, requests: usize, pacer: &Pacer) -> Result<RequestRun> {
    if clients == 0 || requests == 0 {
        bail!("a request run needs at least one client and one request ({clients} clients, {requests} requests)");
    }
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|client| {
            // The first `requests % clients` clients take one more.
            let count = requests / clients + usize::from(client < requests % clients);
            let pacer = pacer.clone();
            std::thread::spawn(move || -> Result<Vec<Duration>> {
                let mut latencies = Vec::with_capacity(count);
                for n in 0..count {
                    let name = format!("c{client}-{n}");
                    pacer.wait();
                    let t = Instant::now();
                    let r = get(port, &format!("/hello/{name}"))?;
                    latencies.push(t.elapsed());
                    check_hello(&name, &r)?;
                }
                Ok(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(requests);
    let mut errors = Vec::new();
    for (i, t) in threads.into_iter().enumerate() {
        match t.join() {
            Ok(Ok(l)) => latencies.extend(l),
            Ok(Err(e)) => errors.push(format!("client {i}: {e:#}")),
            Err(_) => errors.push(format!("client {i} panicked")),
        }
    }
    if !errors.is_empty() {
        bail!("{} of {clients} HTTP clients failed:\n  {}", errors.len(), errors.join("\n  "));
    }
    Ok(RequestRun { requests, elapsed: started.elapsed(), latencies })
}

/// One `GET /big`, checked; returns its time (connect to close).
pub fn big(port: u16) -> Result<Duration> {
    let t = Instant::now();
    let r = get(port, "/big")?;
    let took = t.elapsed();
    check_big(&r)?;
    Ok(took)
}

/// Megabytes (10^6 bytes) per second.
pub fn mb_per_second(bytes: usize, took: Duration) -> f64 {
    bytes as f64 / took.as_secs_f64() / 1e6
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_response_is_split_and_its_length_checked() {
        let r = parse_response(b"HTTP/1.0 200 OK\r\nContent-Length: 8\r\n\r\nhello x\n").unwrap();
        assert_eq!(r, Response { status: "HTTP/1.0 200 OK".into(), body: b"hello x\n".to_vec() });
        let err = format!("{:#}", parse_response(b"HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nhello x\n").unwrap_err());
        assert!(err.contains("Content-Length 9 but 8 bytes"), "{err}");
        let err = format!("{:#}", parse_response(b"HTTP/1.0 200 OK\r\nContent-Len").unwrap_err());
        assert!(err.contains("no end of header"), "{err}");
        let err = format!("{:#}", parse_response(b"HTTP/1.0 200 OK\r\n\r\nx").unwrap_err());
        assert!(err.contains("no Content-Length"), "{err}");
    }

    #[test]
    fn answers_are_checked() {
        let ok = |body: &[u8]| Response { status: "HTTP/1.0 200 OK".into(), body: body.to_vec() };
        check_hello("a", &ok(b"hello a\n")).unwrap();
        assert!(check_hello("a", &ok(b"hello b\n")).is_err());
        assert!(check_hello("a", &Response { status: "HTTP/1.0 404 Not Found".into(), body: b"hello a\n".to_vec() }).is_err());
        let mut body: Vec<u8> = (0..BIG_SIZE).map(big_byte).collect();
        check_big(&ok(&body)).unwrap();
        body[70000] ^= 1;
        let err = check_big(&ok(&body)).unwrap_err().to_string();
        assert!(err.contains("byte 70000"), "{err}");
        assert!(check_big(&ok(&body[1..])).is_err());
    }

    #[test]
    fn the_big_pattern_is_network_demos() {
        // bigByte 0, 1, 2 and 255 as network-demo computes them.
        assert_eq!([big_byte(0), big_byte(1), big_byte(2), big_byte(255)], [0, 158, 60, 153]);
    }

    #[test]
    fn the_pacer_spaces_connects() {
        let pacer = Pacer::new(Duration::from_millis(20));
        let t = Instant::now();
        let threads: Vec<_> = (0..3).map(|_| { let p = pacer.clone(); std::thread::spawn(move || p.wait()) }).collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        pacer.wait();
        // Four turns: the first at once, the fourth 60 ms later.
        assert!(t.elapsed() >= Duration::from_millis(60), "{:?}", t.elapsed());
    }

    #[test]
    fn rates() {
        let run = RequestRun { requests: 50, elapsed: Duration::from_millis(500), latencies: vec![] };
        assert_eq!(run.per_second(), 100.0);
        assert_eq!(mb_per_second(5_000_000, Duration::from_secs(2)), 2.5);
    }

    /// A stand-in for network-demo's HTTP server on 127.0.0.1, one thread
    /// per connection, answering `limit` connections; `wrong` answers every
    /// hello with the wrong name.
    pub(crate) fn serve(limit: usize, wrong: bool) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        serve_on(listener, limit, wrong);
        port
    }

    /// [`serve`] on a listener already bound.
    pub(crate) fn serve_on(listener: TcpListener, limit: usize, wrong: bool) {
        std::thread::spawn(move || {
            for conn in listener.incoming().take(limit) {
                let mut c = conn.unwrap();
                std::thread::spawn(move || {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match c.read(&mut buf) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let line = String::from_utf8_lossy(&request).lines().next().unwrap_or("").to_string();
                    let path = line.split(' ').nth(1).unwrap_or("");
                    let body: Vec<u8> = if path == "/big" {
                        (0..BIG_SIZE).map(big_byte).collect()
                    } else {
                        let name = path.strip_prefix("/hello/").unwrap_or("");
                        format!("hello {}\n", if wrong { "someone" } else { name }).into_bytes()
                    };
                    let _ = c.write_all(format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes());
                    let _ = c.write_all(&body);
                });
            }
        });
    }

    #[test]
    fn requests_from_several_clients_are_all_answered_and_timed() {
        let port = serve(1 + 10 + 1, false);
        wait_until_serving(port, Duration::from_secs(5), || false).unwrap();
        let run = hello_requests(port, 3, 10, &Pacer::new(Duration::from_millis(1))).unwrap();
        assert_eq!((run.requests, run.latencies.len()), (10, 10));
        assert!(run.per_second() > 0.0);
        assert!(big(port).unwrap() > Duration::ZERO);
    }

    #[test]
    fn a_wrong_answer_fails_the_run_naming_the_client() {
        let port = serve(4, true);
        let err = format!("{:#}", hello_requests(port, 2, 4, &Pacer::new(Duration::ZERO)).unwrap_err());
        assert!(err.contains("2 of 2 HTTP clients failed") && err.contains("GET /hello/c0-0"), "{err}");
        let err = format!("{:#}", wait_until_serving(serve(1, true), Duration::from_secs(5), || false).unwrap_err());
        assert!(err.contains("GET /hello/ready"), "{err}");
    }

    #[test]
    fn waiting_stops_when_the_guest_ended() {
        // A port nothing listens on: bound, then closed.
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let err = wait_until_serving(port, Duration::from_secs(30), || true).unwrap_err().to_string();
        assert!(err.contains("the guest ended"), "{err}");
        let err = wait_until_serving(port, Duration::from_millis(300), || false).unwrap_err().to_string();
        assert!(err.contains("no HTTP answer"), "{err}");
    }
}
