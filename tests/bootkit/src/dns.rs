//! A small DNS responder on the host's UDP 127.0.0.1:<ephemeral port>,
//! which a guest under QEMU's user networking reaches as 10.0.2.2:PORT (a
//! test cannot bind port 53 as an ordinary user, hence the guest's
//! `halvm.dns=A.B.C.D:PORT`). It answers the zone
//! minlibc/tests-boot/dns_lookup.c describes:
//!
//! ```text
//! service.halvm.test   A 192.0.2.7
//! alias.halvm.test     CNAME middle.halvm.test -> CNAME service.halvm.test
//! many.halvm.test      A 192.0.2.1, 192.0.2.2, 192.0.2.3
//! empty.halvm.test     no records (NOERROR)
//! broken.halvm.test    SERVFAIL
//! retry.halvm.test     A 192.0.2.9, but only to the second query
//! silent.halvm.test    nothing, ever
//! any other name       NXDOMAIN
//! ```

use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One query the responder received.
#[derive(Debug, Clone)]
pub struct Query {
    /// The name asked for, lower case, without a final dot.
    pub name: String,
    pub id: u16,
    pub qtype: u16,
    pub at: Instant,
}

/// Answers the zone dns_lookup.c describes, in a thread, until stopped.
pub struct Responder {
    port: u16,
    queries: Arc<Mutex<Vec<Query>>>,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Responder {
    pub fn start() -> std::io::Result<Responder> {
        let sock = UdpSocket::bind("127.0.0.1:0")?;
        sock.set_read_timeout(Some(Duration::from_millis(50)))?;
        let port = sock.local_addr()?.port();
        let queries = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (q, s) = (queries.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 1500];
            while !s.load(Ordering::Relaxed) {
                let Ok((n, from)) = sock.recv_from(&mut buf) else { continue };
                let Some(query) = parse_query(&buf[..n]) else { continue };
                let earlier = q.lock().unwrap().iter().filter(|e: &&Query| e.name == query.name).count();
                let reply = answer(&buf[..n], &query, earlier);
                q.lock().unwrap().push(query);
                if let Some(reply) = reply {
                    let _ = sock.send_to(&reply, from);
                }
            }
        });
        Ok(Responder { port, queries, stop, thread })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the thread; every query received.
    pub fn stop(self) -> Vec<Query> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the DNS responder panicked");
        let q = self.queries.lock().unwrap().clone();
        q
    }
}

/// The id, name and type of a query (uncompressed, one question), or
/// None for anything else.
fn parse_query(msg: &[u8]) -> Option<Query> {
    if msg.len() < 12 || msg[2] & 0x80 != 0 || msg[4..6] != [0, 1] {
        return None;
    }
    let mut labels = Vec::new();
    let mut p = 12;
    loop {
        let len = *msg.get(p)? as usize;
        if len == 0 || len > 63 {
            break;
        }
        labels.push(String::from_utf8_lossy(msg.get(p + 1..p + 1 + len)?).to_ascii_lowercase());
        p += 1 + len;
    }
    (msg.get(p) == Some(&0)).then_some(())?;
    let qtype = u16::from_be_bytes([*msg.get(p + 1)?, *msg.get(p + 2)?]);
    Some(Query { name: labels.join("."), id: u16::from_be_bytes([msg[0], msg[1]]), qtype, at: Instant::now() })
}

const SERVFAIL: u8 = 2;
const NXDOMAIN: u8 = 3;

/// The reply to `query` (`msg`), the name asked `earlier` times before;
/// None: no reply. Owner names point into the question where they can,
/// so the guest's parser follows compression pointers.
fn answer(msg: &[u8], query: &Query, earlier: usize) -> Option<Vec<u8>> {
    let question_end = 12 + query.name.len() + 2 + 4;
    let mut r = msg[..question_end.min(msg.len())].to_vec();
    r[2] = 0x80 | (msg[2] & 0x01); // a response; RD copied
    r[3] = 0x80; // recursion available, NOERROR
    r[6..12].fill(0);
    // "halvm.test" inside the question: after its first label
    let first_label = query.name.split('.').next().unwrap_or("").len();
    let suffix = 12 + 1 + first_label;
    let name_under = |label: &str| -> Vec<u8> {
        let mut n = vec![label.len() as u8];
        n.extend_from_slice(label.as_bytes());
        n.extend_from_slice(&[0xc0, suffix as u8]);
        n
    };
    let question: &[u8] = &[0xc0, 12];
    let mut records = Vec::new();
    let a = |owner: &[u8], addr: [u8; 4]| -> Vec<u8> {
        let mut rr = owner.to_vec();
        rr.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        rr.extend_from_slice(&addr);
        rr
    };
    let cname = |owner: &[u8], target: &[u8]| -> Vec<u8> {
        let mut rr = owner.to_vec();
        rr.extend_from_slice(&[0, 5, 0, 1, 0, 0, 0, 60, 0, target.len() as u8]);
        rr.extend_from_slice(target);
        rr
    };
    if query.qtype != 1 {
        // only A is ever asked for; anything else gets no records
    } else {
        match query.name.as_str() {
            "service.halvm.test" => records.push(a(question, [192, 0, 2, 7])),
            "alias.halvm.test" => {
                // the chain's links out of order: the guest must follow it
                records.push(a(&name_under("service"), [192, 0, 2, 7]));
                records.push(cname(question, &name_under("middle")));
                records.push(cname(&name_under("middle"), &name_under("service")));
            }
            "many.halvm.test" => {
                for last in 1..=3 {
                    records.push(a(question, [192, 0, 2, last]));
                }
            }
            "empty.halvm.test" => {}
            "broken.halvm.test" => r[3] |= SERVFAIL,
            "retry.halvm.test" if earlier == 0 => return None,
            "retry.halvm.test" => records.push(a(question, [192, 0, 2, 9])),
            "silent.halvm.test" => return None,
            _ => r[3] |= NXDOMAIN,
        }
    }
    r[7] = records.len() as u8;
    for rr in records {
        r.extend_from_slice(&rr);
    }
    Some(r)
}
