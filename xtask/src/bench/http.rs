//! The HTTP server benchmark: network-demo (tests/cabal/project/app/
//! Network.hs: `network` + `bytestring` only, one thread per connection,
//! HTTP/1.0) serving on port 80 as a halvm image and, built natively by the
//! same cabal with the platform GHC, in the Linux guest (linux_net.rs), one
//! after the other in the same QEMU: same accelerator, `-m`, `-cpu max`,
//! the same virtio-net card on user networking with host port forwards.
//! The host's load generator (http_load.rs) measures requests per second
//! (small answers, a fresh connection each, a few clients at once) and
//! MB/s of the 10 MiB `GET /big`; then "quit\n" on the echo port ends the
//! server and the guest.
//!
//! ```text
//! build/bench/http/
//!   halvm-console.log  linux-console.log  linux-initramfs.cpio.gz
//! ```

use std::net::TcpListener;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use halvm_bootkit::{Accel, Boot, Forward, Machine};
use serde::Serialize;
use xshell::Shell;

use crate::build_cmd::Built;
use crate::layout::Layout;
use crate::progress::Step;

use super::http_load::{self, Gate, RequestRun};
use super::stats::Summary;
use super::{linux_guest, linux_net};

/// The name `--only` selects this benchmark by.
pub const NAME: &str = "http";
/// The cabal project's executable.
const PROGRAM: &str = "network-demo";
/// Its arguments: the echo (and "quit") on port 7, HTTP on port 80.
const SERVER_ARGS: &[&str] = &["serve", "7", "80"];
const ECHO_PORT: u16 = 7;
const HTTP_PORT: u16 = 80;
/// Client threads at once: few, since only two of them can wait for an
/// answer at a time (QEMU's backlog of 1, see http_load.rs); the others
/// read the rest of their answers, close and connect meanwhile.
const CLIENTS: usize = 4;
/// Small requests per run, back to back (more than the 320 sockets of
/// halvm's stack within its 2 s TIME-WAIT: it recycles the oldest, as
/// Linux does).
const REQUESTS_QUICK: usize = 200;
const REQUESTS_FULL: usize = 500;
/// Requests before the measured runs: the first ones pay for TCG's
/// translation of the code paths.
const WARM_UP_REQUESTS: usize = 20;
/// From QEMU's start to the first answer, at most: the Linux guest boots
/// for about 10 s under TCG and network-demo tests itself first.
const SERVING_WITHIN: Duration = Duration::from_secs(240);

/// One side's figures.
#[derive(Debug, Clone, Serialize)]
pub struct HttpSide {
    /// QEMU's start to the first right answer, s.
    pub serving_after_s: f64,
    /// Each run's requests over its wall time.
    pub requests_per_s: Summary,
    /// Every measured request's time (connect to the server's close), ms.
    pub latency_ms: Summary,
    /// Each `GET /big`'s size over its time (connect to close), 10^6 bytes/s.
    pub big_mb_per_s: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct HttpFigures {
    pub clients: usize,
    pub requests_per_run: usize,
    pub runs: usize,
    pub big_bytes: usize,
    pub halvm: HttpSide,
    pub linux_guest: HttpSide,
    /// halvm's median requests/s over the Linux guest's: above 1 halvm
    /// serves more.
    pub requests_ratio: f64,
    /// The same for MB/s of `GET /big`.
    pub big_ratio: f64,
}

/// What the load generator measured on one side.
#[derive(Debug, Clone)]
pub struct SideRuns {
    pub serving_after: Duration,
    pub requests: Vec<RequestRun>,
    pub big: Vec<Duration>,
}

impl HttpSide {
    fn of(runs: &SideRuns) -> Result<HttpSide> {
        let per_second: Vec<f64> = runs.requests.iter().map(RequestRun::per_second).collect();
        let latencies: Vec<f64> = runs.requests.iter().flat_map(|r| &r.latencies).map(|d| d.as_secs_f64() * 1e3).collect();
        let big: Vec<f64> = runs.big.iter().map(|d| http_load::mb_per_second(http_load::BIG_SIZE, *d)).collect();
        let none = || anyhow::anyhow!("an HTTP side without measurements");
        Ok(HttpSide {
            serving_after_s: runs.serving_after.as_secs_f64(),
            requests_per_s: Summary::of(&per_second).ok_or_else(none)?,
            latency_ms: Summary::of(&latencies).ok_or_else(none)?,
            big_mb_per_s: Summary::of(&big).ok_or_else(none)?,
        })
    }
}

impl HttpFigures {
    fn new(settings: &Settings, halvm: &SideRuns, linux: &SideRuns) -> Result<HttpFigures> {
        let (h, l) = (HttpSide::of(halvm)?, HttpSide::of(linux)?);
        Ok(HttpFigures {
            clients: settings.clients,
            requests_per_run: settings.requests,
            runs: settings.runs,
            big_bytes: http_load::BIG_SIZE,
            requests_ratio: h.requests_per_s.median / l.requests_per_s.median,
            big_ratio: h.big_mb_per_s.median / l.big_mb_per_s.median,
            halvm: h,
            linux_guest: l,
        })
    }
}

/// How much load.
#[derive(Debug, Clone)]
pub struct Settings {
    pub clients: usize,
    pub requests: usize,
    pub runs: usize,
}

impl Settings {
    pub fn new(quick: bool, runs: usize) -> Settings {
        Settings { clients: CLIENTS, requests: if quick { REQUESTS_QUICK } else { REQUESTS_FULL }, runs }
    }
}

/// Both sides, one after the other; `memory_mib` for both guests.
pub fn measure(sh: &Shell, layout: &Layout, built: &Built, accel: Accel, memory_mib: u32, settings: &Settings, out: &Path)
               -> Result<HttpFigures> {
    // network-demo's image and native build, made by the cabal lane's
    // build when missing or out of date.
    let images = crate::cabal_lane::build_images(sh, layout, built)?;
    let image = images.join(format!("{PROGRAM}.xen"));
    let native = images.join("host").join(PROGRAM).join("halvm");
    let out = out.join("http");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;

    let step = Step::start(&format!("HTTP: {PROGRAM} as a halvm image (QEMU {accel:?}), load from the host"));
    let halvm = halvm_side(settings, accel, memory_mib, &image, &out)?;
    eprintln!("    halvm: {}", one_line(&halvm)?);
    step.done();

    let step = Step::start(&format!("HTTP: {PROGRAM} in the Linux guest (QEMU {accel:?}), load from the host"));
    let parts = linux_guest::parts(sh, layout)?;
    let modules = linux_net::kernel_modules(sh, layout)?;
    let linux = linux_side(settings, accel, memory_mib, &parts, &native, &modules, &out)?;
    eprintln!("    Linux guest: {}", one_line(&linux)?);
    step.done();
    HttpFigures::new(settings, &halvm, &linux)
}

/// The image serving, booted by bootkit; its console goes to `out`.
fn halvm_side(settings: &Settings, accel: Accel, memory_mib: u32, image: &Path, out: &Path) -> Result<SideRuns> {
    let timeout = guest_timeout(settings);
    serve_and_load(settings, |forwards| {
        let boot = Boot::new(image, Machine::Qemu(accel)).args(halvm_bootkit::quote_args(SERVER_ARGS))
            .memory_mib(memory_mib).cpu_model("max").user_network(forwards).timeout(timeout);
        let log = out.join("halvm-console.log");
        std::thread::spawn(move || -> Result<()> {
            let outcome = boot.run().map_err(anyhow::Error::msg)?;
            std::fs::write(&log, outcome.to_string()).with_context(|| format!("writing {}", log.display()))?;
            match outcome.exit_status() {
                Ok(0) if outcome.console.contains("quit received") => Ok(()),
                Ok(s) => bail!("{PROGRAM} as a halvm image ended with status {s}, or without \"quit received\"\n{outcome}"),
                Err(e) => bail!("{PROGRAM} as a halvm image: {e}\n{outcome}"),
            }
        })
    })
}

/// The native build serving in the Linux guest (kernel and busybox from
/// `parts`, `modules` in load order); its initramfs and console go to `out`.
fn linux_side(settings: &Settings, accel: Accel, memory_mib: u32, parts: &linux_guest::GuestParts, native: &Path,
              modules: &[crate::kernel_package::Module], out: &Path) -> Result<SideRuns> {
    let initramfs = out.join("linux-initramfs.cpio.gz");
    crate::dom0::write_gzip_cpio(&linux_net::initramfs(&parts.busybox, native, SERVER_ARGS, modules)?, &initramfs)?;
    let accel_name = if accel == Accel::Kvm { "kvm" } else { "tcg" };
    let timeout = guest_timeout(settings);
    serve_and_load(settings, |forwards| {
        let mut args = linux_guest::qemu_args(accel_name, memory_mib, &parts.kernel, &initramfs);
        args.extend(halvm_bootkit::user_network_args(forwards));
        let log = out.join("linux-console.log");
        std::thread::spawn(move || -> Result<()> {
            let console = linux_guest::boot(&args, timeout, &log, |_| {})?;
            let said = |needle: &str| console.iter().any(|(_, l)| l.contains(needle));
            if !said("quit received") || !said("bench-server-exit: 0") {
                bail!("{PROGRAM} in the Linux guest did not quit with status 0 (console: {})", log.display());
            }
            Ok(())
        })
    })
}

/// The summary printed as the side ends.
fn one_line(runs: &SideRuns) -> Result<String> {
    let s = HttpSide::of(runs)?;
    Ok(format!("serving after {:.1} s, {} requests/s, GET /big {} MB/s", s.serving_after_s, s.requests_per_s.display(1),
               s.big_mb_per_s.display(2)))
}

/// A deadline for a guest: the wait for its first answer, then the runs
/// at no worse than 5 requests/s and 0.5 MB/s; a guest that needs more
/// has failed anyway.
fn guest_timeout(s: &Settings) -> Duration {
    let requests = (s.runs * s.requests + WARM_UP_REQUESTS) as u64 / 5;
    let big = (s.runs * http_load::BIG_SIZE) as u64 / 500_000;
    SERVING_WITHIN + Duration::from_secs(requests + big + 60)
}

/// Starts a guest with `start` (given the port forwards; it returns the
/// thread that waits for the guest's end and checks it), waits until it
/// serves, runs the load, and sends "quit" whatever happened; a failure of
/// the load comes with the guest's.
fn serve_and_load(settings: &Settings, start: impl FnOnce(&[Forward]) -> JoinHandle<Result<()>>) -> Result<SideRuns> {
    let (echo, http) = (free_port()?, free_port()?);
    let started = Instant::now();
    let guest = start(&[Forward::tcp(echo, ECHO_PORT), Forward::tcp(http, HTTP_PORT)]);
    let load = load(http, settings, started, || guest.is_finished());
    let quit = if guest.is_finished() { Ok(()) } else { quit(echo) };
    let ended = guest.join().map_err(|_| anyhow::anyhow!("the thread that ran the guest panicked"))?;
    match (load, ended) {
        (Ok(runs), Ok(())) => quit.map(|()| runs),
        (Err(e), Ok(())) => Err(e),
        (Ok(_), Err(guest)) => Err(guest),
        (Err(e), Err(guest)) => Err(e.context(format!("{guest:#}"))),
    }
}

/// The measurements on one guest that serves `port`.
fn load(port: u16, s: &Settings, started: Instant, ended: impl Fn() -> bool) -> Result<SideRuns> {
    http_load::wait_until_serving(port, SERVING_WITHIN, ended)?;
    let serving_after = started.elapsed();
    let gate = Gate::new(http_load::UNANSWERED_AT_ONCE);
    http_load::hello_requests(port, s.clients, WARM_UP_REQUESTS, &gate).context("the warm-up requests")?;
    let mut requests = Vec::new();
    for run in 1..=s.runs {
        requests.push(http_load::hello_requests(port, s.clients, s.requests, &gate)
            .with_context(|| format!("request run {run} ({} requests)", s.requests))?);
    }
    let mut big = Vec::new();
    for run in 1..=s.runs {
        big.push(http_load::big(port).with_context(|| format!("GET /big, run {run}"))?);
    }
    Ok(SideRuns { serving_after, requests, big })
}

/// Ends network-demo: "quit\n" on its echo port, answered "bye\n".
fn quit(port: u16) -> Result<()> {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).context("connecting to the echo port to quit")?;
    c.set_read_timeout(Some(Duration::from_secs(30)))?;
    c.write_all(b"quit\n")?;
    let mut bye = [0u8; 4];
    c.read_exact(&mut bye).context("waiting for network-demo's \"bye\"")?;
    if &bye != b"bye\n" {
        bail!("network-demo answered quit with {:?}", String::from_utf8_lossy(&bye));
    }
    Ok(())
}

/// A port of 127.0.0.1 nothing listens on now (QEMU binds it next).
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn run(requests: usize, ms: u64, latencies_ms: &[u64]) -> RequestRun {
        RequestRun {
            requests,
            elapsed: Duration::from_millis(ms),
            latencies: latencies_ms.iter().map(|l| Duration::from_millis(*l)).collect(),
        }
    }

    fn side(per_run_ms: &[u64], big_ms: &[u64]) -> SideRuns {
        SideRuns {
            serving_after: Duration::from_millis(2500),
            requests: per_run_ms.iter().map(|ms| run(100, *ms, &[10, 30, 20])).collect(),
            big: big_ms.iter().map(|ms| Duration::from_millis(*ms)).collect(),
        }
    }

    pub(crate) fn sample() -> HttpFigures {
        let settings = Settings { clients: 4, requests: 100, runs: 3 };
        // halvm: 100, 200, 50 requests/s; Linux: 50 each.
        HttpFigures::new(&settings, &side(&[1000, 500, 2000], &[1000, 2000, 4000]),
                         &side(&[2000, 2000, 2000], &[500, 500, 500])).unwrap()
    }

    #[test]
    fn figures_are_medians_and_ratios_of_the_medians() {
        let f = sample();
        assert_eq!(f.halvm.requests_per_s, Summary { median: 100.0, min: 50.0, max: 200.0, n: 3 });
        assert_eq!(f.linux_guest.requests_per_s.median, 50.0);
        assert_eq!(f.requests_ratio, 2.0);
        // 10 MiB in 2 s and in 0.5 s.
        assert_eq!(f.halvm.big_mb_per_s.median, 10.0 * 1024.0 * 1024.0 / 2.0 / 1e6);
        assert_eq!(f.big_ratio, 0.25);
        assert_eq!(f.halvm.latency_ms, Summary { median: 20.0, min: 10.0, max: 30.0, n: 9 });
        assert_eq!(f.halvm.serving_after_s, 2.5);
        assert_eq!((f.clients, f.requests_per_run, f.runs, f.big_bytes), (4, 100, 3, 10 * 1024 * 1024));
    }

    #[test]
    fn a_side_without_runs_is_an_error() {
        assert!(HttpSide::of(&side(&[], &[1000])).is_err());
        assert!(HttpSide::of(&side(&[1000], &[])).is_err());
    }

    #[test]
    fn the_guests_deadline_grows_with_the_load() {
        let quick = guest_timeout(&Settings::new(true, 3));
        let full = guest_timeout(&Settings::new(false, 5));
        assert!(quick > SERVING_WITHIN && full > quick, "{quick:?} {full:?}");
    }

    /// The whole host side against a stand-in server: the load runs, then
    /// quit is sent to the echo port and the guest's thread ends.
    #[test]
    fn serve_and_load_runs_the_load_then_quits() {
        use std::io::{Read, Write};
        let settings = Settings { clients: 2, requests: 6, runs: 2 };
        let runs = serve_and_load(&settings, |forwards| {
            let (echo, http) = (forwards[0].host_port, forwards[1].host_port);
            assert_eq!((forwards[0].guest_port, forwards[1].guest_port), (ECHO_PORT, HTTP_PORT));
            http_load::tests::serve_on(TcpListener::bind(("127.0.0.1", http)).unwrap(), 1 + WARM_UP_REQUESTS + 12 + 2, false);
            let listener = TcpListener::bind(("127.0.0.1", echo)).unwrap();
            std::thread::spawn(move || {
                let (mut c, _) = listener.accept().unwrap();
                let mut word = [0u8; 5];
                c.read_exact(&mut word).unwrap();
                assert_eq!(&word, b"quit\n");
                c.write_all(b"bye\n").unwrap();
                Ok(())
            })
        })
        .unwrap();
        assert_eq!(runs.requests.len(), 2);
        assert_eq!(runs.big.len(), 2);
        assert!(runs.requests.iter().all(|r| r.requests == 6 && r.latencies.len() == 6));
    }

    #[test]
    fn a_guest_that_ends_early_fails_the_side_with_its_reason() {
        let settings = Settings { clients: 1, requests: 1, runs: 1 };
        let err = serve_and_load(&settings, |_| std::thread::spawn(|| bail!("the kernel panicked")))
            .unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("the guest ended") && text.contains("the kernel panicked"), "{text}");
    }
}

