//! A TCP echo through a port QEMU forwards to a guest, from the host: what
//! the network boot checks (C and Haskell servers) measure the same way.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// `len` bytes of a fixed pattern (a 251-byte cycle, so a shifted or
/// repeated block is noticed).
pub fn echo_payload(len: usize) -> Vec<u8> {
    (0..len as u32).map(|i| (i % 251) as u8).collect()
}

/// Sends `payload` to 127.0.0.1:`port` and reads as many bytes back,
/// writing and reading at once. Until the guest listens, QEMU accepts the
/// forwarded connection and then closes it, so a connection that does not
/// echo its first byte is retried every 100 ms, for `give_up_after` at
/// most. Returns what came back and how long the whole payload took after
/// the first byte's round trip.
pub fn echo_through_forward(port: u16, payload: &[u8], give_up_after: Duration, read_timeout: Duration)
                            -> Result<(Vec<u8>, Duration), String> {
    let started = Instant::now();
    loop {
        if started.elapsed() >= give_up_after {
            return Err(format!("nothing echoed on port {port} within {give_up_after:?}"));
        }
        let Ok(mut c) = TcpStream::connect(("127.0.0.1", port)) else {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        c.set_read_timeout(Some(read_timeout)).map_err(|e| e.to_string())?;
        let mut first = [0u8; 1];
        // A single byte first: an early close shows before the payload.
        if c.write_all(&payload[..1]).is_err() || !matches!(c.read(&mut first), Ok(1)) {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        let t = Instant::now();
        let mut writer = c.try_clone().map_err(|e| e.to_string())?;
        let rest = payload[1..].to_vec();
        let sender = std::thread::spawn(move || writer.write_all(&rest));
        let mut got = first.to_vec();
        let mut buf = vec![0u8; 65536];
        while got.len() < payload.len() {
            match c.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        sender.join().map_err(|_| "the sending thread panicked".to_string())?.map_err(|e| e.to_string())?;
        return Ok((got, t.elapsed()));
    }
}
