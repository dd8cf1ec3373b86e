//! The HTTP benchmark's load generator, on the host: HTTP/1.0 GETs on
//! fresh connections to 127.0.0.1:PORT, which QEMU's user networking
//! forwards to the guest's port 80 (network-demo's `httpLoop`). Every
//! answer is checked: a wrong one is an error, not a slow figure.
//!
//! QEMU listens for a forward with a backlog of 1: the host kernel queues
//! two connections that QEMU has not accepted yet, and drops the SYN of a
//! third, which then waits for its retransmit (1 s) — a stall that would
//! dominate the figures. Spacing the connects in time does not prevent it
//! (QEMU's main loop, which accepts, can be busy for milliseconds under
//! TCG), so the clients share a [`Gate`] instead: at most two connections
//! at a time are connected but not yet answered. A connection that has
//! its first byte of answer was surely accepted by QEMU, so the queue never
//! holds more than two.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// Each request's deadline for every read and write.
const IO_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections at once between connect and the first byte of the answer:
/// what the host kernel queues for QEMU's listener (backlog 1, so 2).
pub const UNANSWERED_AT_ONCE: usize = 2;
/// A readiness probe starts this often, each in its own thread, while
/// earlier ones may still wait: a probe sent before the guest's network
/// was up lost its SYN on QEMU's side, which QEMU retransmits only seconds
/// later, so waiting for it would blur the time to the first answer.
const PROBE_EVERY: Duration = Duration::from_millis(250);
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

pub use halvm_bootkit::http_demo::{big_byte, Response, BIG_SIZE};
use halvm_bootkit::http_demo::parse_response;

/// One GET of `path` on a fresh connection, read until the server closes.
pub fn get(port: u16, path: &str) -> Result<Response> {
    get_gated(port, path, None, IO_TIMEOUT).map(|(r, _)| r)
}

/// [`get`], with a place at `gate` (when given) held from before the
/// connect until the answer's first bytes, and `timeout` for each read and
/// write; also the time from the connect (once a place was had) to the
/// server's close.
fn get_gated(port: u16, path: &str, gate: Option<&Gate>, timeout: Duration) -> Result<(Response, Duration)> {
    let place = gate.map(Gate::enter);
    let started = Instant::now();
    let mut c = TcpStream::connect(("127.0.0.1", port)).with_context(|| format!("GET {path}: connecting to port {port}"))?;
    c.set_read_timeout(Some(timeout))?;
    c.set_write_timeout(Some(timeout))?;
    c.write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes()).with_context(|| format!("GET {path}: sending"))?;
    let mut all = vec![0u8; 4096];
    let n = c.read(&mut all).with_context(|| format!("GET {path}: reading the first bytes"))?;
    drop(place);
    all.truncate(n);
    if n > 0 {
        c.read_to_end(&mut all).with_context(|| format!("GET {path}: reading, after {} bytes", all.len()))?;
    }
    let took = started.elapsed();
    Ok((parse_response(&all).map_err(|e| anyhow::anyhow!("GET {path}: {e}"))?, took))
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

/// Waits until `GET /hello/ready` is answered rightly, probing every
/// `PROBE_EVERY` (see there). Until the guest listens, QEMU accepts the
/// forwarded connection and closes it or never gets an answer from the
/// guest; such probes only make the wait go on, for `give_up_after` at
/// most. A wrong answer fails at once; `gave_up` (the guest ended) stops
/// the wait early.
pub fn wait_until_serving(port: u16, give_up_after: Duration, gave_up: impl Fn() -> bool) -> Result<()> {
    enum Probe {
        Right,
        Wrong(anyhow::Error),
        NoAnswer(anyhow::Error),
    }
    let deadline = Instant::now() + give_up_after;
    let (tx, rx) = std::sync::mpsc::channel();
    let mut last = None;
    loop {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let probe = match get_gated(port, "/hello/ready", None, PROBE_TIMEOUT) {
                Ok((r, _)) => check_hello("ready", &r).map_or_else(Probe::Wrong, |()| Probe::Right),
                Err(e) => Probe::NoAnswer(e),
            };
            // The wait may be over already; nobody listens then.
            let _ = tx.send(probe);
        });
        let next = Instant::now() + PROBE_EVERY;
        while let Ok(probe) = rx.recv_timeout(next.saturating_duration_since(Instant::now())) {
            match probe {
                Probe::Right => return Ok(()),
                // A server that answers wrongly will not get better.
                Probe::Wrong(e) => return Err(e),
                Probe::NoAnswer(e) => last = Some(e),
            }
        }
        let last_try = || last.as_ref().map_or("none finished".to_string(), |e| format!("{e:#}"));
        if gave_up() {
            bail!("the guest ended before it answered HTTP (the last try: {})", last_try());
        }
        if Instant::now() >= deadline {
            bail!("no HTTP answer on port {port} within {} s (the last try: {})", give_up_after.as_secs(), last_try());
        }
    }
}

/// A counting gate: at most `places` holders at once; the others wait.
#[derive(Clone)]
pub struct Gate {
    state: Arc<(Mutex<usize>, Condvar)>,
    places: usize,
}

/// A place at a [`Gate`], given back when dropped.
pub struct Place<'a>(&'a Gate);

impl Gate {
    pub fn new(places: usize) -> Gate {
        Gate { state: Arc::new((Mutex::new(0), Condvar::new())), places }
    }

    /// Waits for a free place and takes it.
    pub fn enter(&self) -> Place<'_> {
        let (held, freed) = &*self.state;
        let mut held = held.lock().unwrap_or_else(|p| p.into_inner());
        while *held >= self.places {
            held = freed.wait(held).unwrap_or_else(|p| p.into_inner());
        }
        *held += 1;
        Place(self)
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let (held, freed) = &*self.0.state;
        *held.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
        freed.notify_one();
    }
}

/// One run of small requests: how many, how long they took in all, and
/// each one's time (connect to the server's close, without the wait for a
/// place at the gate).
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
/// each request on a fresh connection, through `gate` from connect to the
/// answer's first bytes.
pub fn hello_requests(port: u16, clients: usize, requests: usize, gate: &Gate) -> Result<RequestRun> {
    if clients == 0 || requests == 0 {
        bail!("a request run needs at least one client and one request ({clients} clients, {requests} requests)");
    }
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|client| {
            // The first `requests % clients` clients take one more.
            let count = requests / clients + usize::from(client < requests % clients);
            let gate = gate.clone();
            std::thread::spawn(move || -> Result<Vec<Duration>> {
                let mut latencies = Vec::with_capacity(count);
                for n in 0..count {
                    let name = format!("c{client}-{n}");
                    let (r, took) = get_gated(port, &format!("/hello/{name}"), Some(&gate), IO_TIMEOUT)?;
                    latencies.push(took);
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
    fn the_gate_lets_so_many_in_at_once() {
        let gate = Gate::new(2);
        let inside = Arc::new(Mutex::new((0usize, 0usize)));
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let (gate, inside) = (gate.clone(), inside.clone());
                std::thread::spawn(move || {
                    let _place = gate.enter();
                    {
                        let mut i = inside.lock().unwrap();
                        i.0 += 1;
                        i.1 = i.1.max(i.0);
                    }
                    std::thread::sleep(Duration::from_millis(20));
                    inside.lock().unwrap().0 -= 1;
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(inside.lock().unwrap().1, 2, "the most holders at once");
        // Every place was given back.
        let _all: Vec<Place> = (0..2).map(|_| gate.enter()).collect();
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
        serve_with(listener, limit, wrong, Duration::ZERO);
    }

    /// [`serve_on`], each answer sent `delay` after its request came.
    fn serve_with(listener: TcpListener, limit: usize, wrong: bool, delay: Duration) {
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
                    std::thread::sleep(delay);
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
        let run = hello_requests(port, 3, 10, &Gate::new(2)).unwrap();
        assert_eq!((run.requests, run.latencies.len()), (10, 10));
        assert!(run.per_second() > 0.0);
        assert!(big(port).unwrap() > Duration::ZERO);
    }

    /// One place at the gate, two clients, answers 50 ms late: the run
    /// takes the four answers one after the other, but each request's time
    /// leaves out its wait for the place.
    #[test]
    fn a_requests_time_leaves_out_the_wait_at_the_gate() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        serve_with(listener, 4, false, Duration::from_millis(50));
        let run = hello_requests(port, 2, 4, &Gate::new(1)).unwrap();
        assert!(run.elapsed >= Duration::from_millis(200), "{:?}", run.elapsed);
        assert!(run.latencies.iter().all(|l| *l < Duration::from_millis(95)), "{:?}", run.latencies);
    }

    #[test]
    fn a_wrong_answer_fails_the_run_naming_the_client() {
        let port = serve(4, true);
        let err = format!("{:#}", hello_requests(port, 2, 4, &Gate::new(2)).unwrap_err());
        assert!(err.contains("2 of 2 HTTP clients failed") && err.contains("GET /hello/c0-0"), "{err}");
        let err = format!("{:#}", wait_until_serving(serve(1, true), Duration::from_secs(5), || false).unwrap_err());
        assert!(err.contains("GET /hello/ready"), "{err}");
    }

    /// The first probe is accepted but never answered (its SYN was lost on
    /// the way to the guest); the next one, sent after the probe's short
    /// deadline, is answered.
    #[test]
    fn a_probe_that_gets_no_answer_is_given_up_soon() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (first, _) = listener.accept().unwrap();
            std::thread::spawn(move || { std::thread::sleep(Duration::from_secs(20)); drop(first) });
            serve_on(listener, 1, false);
        });
        let t = Instant::now();
        wait_until_serving(port, Duration::from_secs(30), || false).unwrap();
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
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
