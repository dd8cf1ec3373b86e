//! The cross compiler's boot tests: each program of `tests/haskell/` is
//! built twice by `cargo xtask test` (xtask/src/haskell_images.rs): by
//! `halvm-ghc` into a PVH image, and by the platform GHC into a Linux
//! program called `halvm` (so that messages prefixed with the program name
//! read the same). The image's console output and exit status must equal
//! what the Linux program prints on a terminal and exits with.
//!
//! Environment (set by `cargo xtask test`):
//! - `HALVM_HASKELL_IMAGES`: `<Name>.xen` images and `host/<Name>/halvm`;
//! - `HALVM_BUILD_DIR`: the build directory (for the Xen hypervisor).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

pub use halvm_bootkit::{self as bootkit, Accel, Boot, Machine, Outcome};

/// One test program and how it is run.
pub struct Program {
    pub name: &'static str,
    /// Arguments, as the program's argv[1..] (on the kernel command line
    /// they are shell-quoted).
    pub args: &'static [&'static str],
}

/// The exact command line for the guest: each argument quoted.
pub fn kernel_cmdline(args: &[&str]) -> String {
    bootkit::quote_args(args)
}

fn images_dir() -> PathBuf {
    match std::env::var_os("HALVM_HASKELL_IMAGES") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => panic!("HALVM_HASKELL_IMAGES is not set; run these tests with `cargo xtask test`, which builds the programs"),
    }
}

/// What the platform GHC's build of the program does on Linux, run on a
/// terminal so that stdout is line-buffered as on the unikernel console.
pub struct Expected {
    pub lines: Vec<String>,
    pub status: u8,
}

pub fn expected(program: &Program) -> Expected {
    expected_in(program, &images_dir().join("host").join(program.name))
}

/// [`expected`] with `dir` as the working directory (the file tests run
/// the Linux build inside the test tree).
pub fn expected_in(program: &Program, dir: &std::path::Path) -> Expected {
    let exe = images_dir().join("host").join(program.name).join("halvm");
    // script(1) gives the program a pseudo-terminal; -e returns its status.
    let words: Vec<String> =
        std::iter::once(exe.display().to_string()).chain(program.args.iter().map(|a| a.to_string())).collect();
    let command_line = bootkit::quote_args(&words);
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &command_line, "/dev/null"])
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("running {} under script(1): {e}", exe.display()));
    let status = out.status.code().unwrap_or_else(|| panic!("{} was killed: {:?}", exe.display(), out.status));
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    Expected { lines: text.lines().map(String::from).collect(), status: status as u8 }
}

/// The last thing QEMU's firmware prints before it jumps to the kernel,
/// followed by a dot per chunk its loader copies (so more dots for a larger
/// image). An image booted directly continues on the same line; Xen starts
/// its log on a new one.
const FIRMWARE_DONE: &str = "Booting from ROM";

/// The guest's own console lines: without the firmware's and hypervisor's
/// messages, and up to rts-xen's final status line.
pub fn guest_lines(machine: &Machine, out: &Outcome) -> Vec<String> {
    let under_xen = matches!(machine, Machine::XenInQemu { .. });
    let texts: Vec<&str> = out.console.lines.iter().map(|l| l.text.as_str()).collect();
    let mut lines: Vec<String> = Vec::new();
    let start = texts.iter().position(|t| t.contains(FIRMWARE_DONE));
    for (i, text) in texts.iter().enumerate() {
        let text = match start {
            Some(s) if i < s => continue,
            Some(s) if i == s => {
                let rest = text[text.find(FIRMWARE_DONE).unwrap() + FIRMWARE_DONE.len()..].trim_start_matches('.');
                if rest.is_empty() || under_xen {
                    continue;
                }
                rest
            }
            _ => text,
        };
        if text.starts_with(bootkit::EXIT_LINE_PREFIX) {
            break; // rts-xen's last words, and anything racing the exit
        }
        if !text.starts_with("(XEN)") {
            lines.push(text.to_string());
        }
    }
    lines
}

/// The image `image` (a name in the images directory) with the program's
/// arguments on its command line.
fn image_boot(machine: &Machine, image: &str, program: &Program) -> Boot {
    Boot::new(images_dir().join(format!("{image}.xen")), machine.clone()).args(kernel_cmdline(program.args))
}

/// Runs `boot`; a boot that could not run at all panics, naming it.
fn run_boot(boot: Boot) -> Outcome {
    let what = format!("{boot:?}");
    boot.run().unwrap_or_else(|e| panic!("{what}: {e}"))
}

pub fn boot(machine: &Machine, program: &Program) -> Outcome {
    run_boot(image_boot(machine, program.name, program).memory_mib(128).timeout(Duration::from_secs(90)))
}

/// The file tests' tree (xtask/src/haskell_images.rs writes it beside
/// the images).
pub fn files_tree() -> PathBuf {
    images_dir().join("files-tree")
}

/// Boots the image `image` (a name in the images directory) with the
/// program's arguments, `memory_mib` of RAM and optionally a boot module.
pub fn boot_image(machine: &Machine, image: &str, program: &Program, memory_mib: u32, module: Option<&std::path::Path>)
    -> Outcome
{
    let mut boot = image_boot(machine, image, program).memory_mib(memory_mib).timeout(Duration::from_secs(240));
    if let Some(module) = module {
        boot = boot.boot_module(module);
    }
    run_boot(boot)
}

/// Checks a boot's guest lines and status against the Linux run's.
pub fn compare(machine: &Machine, out: &Outcome, want: &Expected) {
    compare_lines(out, &guest_lines(machine, out), want);
}

/// [`compare`] with the guest lines `got` already taken from the boot.
pub fn compare_lines(out: &Outcome, got: &[String], want: &Expected) {
    if got != want.lines {
        out.fail(&format!(
            "console output differs from the platform GHC's build on Linux\n---- expected:\n{}\n---- got:\n{}",
            want.lines.join("\n"),
            got.join("\n")
        ));
    }
    out.assert_exit(want.status);
}

/// Boots the program and checks its console output and exit status
/// against the Linux build's.
pub fn run_and_compare(machine: &Machine, program: &Program) -> Outcome {
    let want = expected(program);
    let out = boot(machine, program);
    compare(machine, &out, &want);
    out
}

/// The Xen-in-QEMU machine, with the hypervisor decompressed on first use.
pub fn xen_machine() -> Machine {
    let dir = PathBuf::from(std::env::var_os("HALVM_BUILD_DIR").expect("HALVM_BUILD_DIR is set by cargo xtask test"))
        .join("xen");
    let hypervisor = bootkit::xen::hypervisor(&dir).unwrap_or_else(|e| panic!("preparing Xen in {}: {e}", dir.display()));
    Machine::XenInQemu { hypervisor }
}

/// The latest a 200 ms threadDelay may end, by machine: a software-emulated
/// CPU delivers timer interrupts late, Xen's nested timers more so.
pub fn delay_tolerance(machine: &Machine) -> Duration {
    match machine {
        Machine::XenInQemu { .. } => Duration::from_millis(250),
        _ => Duration::from_millis(120),
    }
}

pub mod checks {
    use super::*;

    const fn program(name: &'static str, args: &'static [&'static str]) -> Program {
        Program { name, args }
    }

    pub fn hello(m: &Machine) {
        run_and_compare(m, &program("Hello", &[])).assert_exit(0);
    }
    pub fn exit_code(m: &Machine) {
        run_and_compare(m, &program("ExitCode", &[])).assert_exit(3);
    }
    pub fn uncaught_exception(m: &Machine) {
        let out = run_and_compare(m, &program("Uncaught", &[]));
        out.assert_line("halvm: Boom \"kaboom\"");
        out.assert_exit(1);
    }
    pub fn args(m: &Machine) {
        run_and_compare(m, &program("Args", &["one", "two words", "quote\"d", "it's", ""]));
    }
    pub fn concurrency(m: &Machine) {
        run_and_compare(m, &program("Concurrency", &[]));
    }
    pub fn delay(m: &Machine) {
        let out = run_and_compare(m, &program("Delay", &[]));
        let start = out.assert_line("sleeping 200 ms").at;
        let end = out.assert_line("woke up").at;
        let took = end.saturating_sub(start);
        let latest = Duration::from_millis(200) + delay_tolerance(m);
        if took < Duration::from_millis(195) || took > latest {
            out.fail(&format!("threadDelay 200 ms took {took:?} by the console clock, expected 200 ms to {latest:?}"));
        }
    }
    pub fn gc_stress(m: &Machine) {
        run_and_compare(m, &program("GcStress", &[]));
    }
    pub fn big_integer(m: &Machine) {
        run_and_compare(m, &program("BigInteger", &[]));
    }
    pub fn doubles(m: &Machine) {
        run_and_compare(m, &program("Doubles", &[]));
    }
    pub fn containers(m: &Machine) {
        run_and_compare(m, &program("Containers", &[]));
    }
    pub fn clock(m: &Machine) {
        run_and_compare(m, &program("Clock", &[]));
    }
    pub fn heap_limit(m: &Machine) {
        let out = run_and_compare(m, &program("HeapLimit", &["+RTS", "-M8m", "-RTS"]));
        out.assert_line("Heap exhausted");
    }
    /// Handlers installed with System.Posix.Signals run when the program
    /// raises their signal (the RTS's signal delivery inside the guest).
    pub fn signals(m: &Machine) {
        run_and_compare(m, &program("Signals", &[])).assert_line("signals: done");
    }
    /// readFile, strict and lazy ByteString reads of a 10 MiB file
    /// (SHA-256), directory listings, doesFileExist/doesDirectoryExist,
    /// getFileSize, missing files, seeking, a /tmp round trip: the tree
    /// embedded by halvm-ghc --files, and the same image program given the
    /// tree as a boot module, each printing what the Linux build prints
    /// inside the tree.
    pub fn files_embedded(m: &Machine) {
        let program = program("Files", &["embedded"]);
        let want = expected_in(&program, &files_tree());
        let out = boot_image(m, "FilesEmbedded", &program, 256, None);
        compare(m, &out, &want);
    }
    pub fn files_module(m: &Machine) {
        let program = program("Files", &["module"]);
        let want = expected_in(&program, &files_tree());
        let archive = halvm_tools::files::archive_of(&files_tree()).unwrap_or_else(|e| panic!("packing the tree: {e}"));
        let module = halvm_bootkit::module_file(&format!("files-{}", m.name()), &archive);
        let out = boot_image(m, "Files", &program, 256, Some(&module));
        let _ = std::fs::remove_file(&module);
        compare(m, &out, &want);
    }
    /// What Linux cannot show in a writable directory: EROFS outside /tmp
    /// as IOExceptions, and /tmp (1 MiB here, halvm-ghc --tmp-size 1M)
    /// full with ENOSPC until a file is removed.
    pub fn files_limits(m: &Machine) {
        let out = boot_image(m, "FilesLimits", &program("FilesLimits", &[]), 128, None);
        // base's and directory's own wording, then the errno's: EROFS is
        // PermissionDenied, ENOSPC ResourceExhausted
        for (prefix, error) in [
            ("writeFile new.txt: new.txt: openFile: permission denied", "(Read-only file system)"),
            ("appendFile hello.txt: hello.txt: openFile: permission denied", "(Read-only file system)"),
            ("removeFile hello.txt: hello.txt: removeLink", "permission denied (Read-only file system)"),
            ("createDirectory newdir: newdir: createDirectory", "permission denied (Read-only file system)"),
            ("/tmp/two: /tmp/two: ", "resource exhausted (No space left on device)"),
        ] {
            let line = out.assert_line(prefix);
            if !line.text.ends_with(error) {
                out.fail(&format!("{:?} does not end in {error:?}", line.text));
            }
        }
        out.assert_line("/tmp/one: 600 KiB written");
        out.assert_line("/tmp/two after removing /tmp/one: 614400 bytes");
        out.assert_exit(0);
    }
    pub fn stack_limit(m: &Machine) {
        let out = run_and_compare(m, &program("StackLimit", &["+RTS", "-K1m", "-RTS"]));
        out.assert_line("Stack space overflow");
    }
    /// Template Haskell splices, run at compile time on the build machine
    /// (halvm's ghc-iserv): a quasi-quoter, an Integer table and a
    /// Data.Map, declarations generated from `reify` of a data type, and
    /// a file read by a splice (addDependentFile + runIO).
    pub fn template_haskell(m: &Machine) {
        let out = run_and_compare(m, &program("TemplateHaskell", &[]));
        out.assert_line("(\"A QUASI QUOTED EXPRESSION\",4)");
        out.assert_line("Labelled with 2 field(s)");
        out.assert_line("second line, read by a splice at compile time");
    }
}

/// The programs of tests/cabal/project, built by `halvm-cabal` and by the
/// same cabal-install with the platform GHC (the cabal lane,
/// xtask/src/cabal_lane.rs); their images and Linux builds are laid out
/// like the Haskell tests'.
pub mod cabal_checks {
    use super::*;

    fn compare(m: &Machine, name: &'static str) -> Outcome {
        let out = run_and_compare(m, &Program { name, args: &[] });
        out.assert_exit(0);
        out
    }

    pub fn random(m: &Machine) {
        compare(m, "random-demo").assert_line("a system-seeded die shows 1..6: True");
    }
    pub fn primitive(m: &Machine) {
        compare(m, "primitive-demo");
    }
    pub fn clock(m: &Machine) {
        let out = compare(m, "clock-demo");
        out.assert_line("monotonic never goes back: True");
        out.assert_line("realtime after 2020: True");
    }
    pub fn zlib(m: &Machine) {
        compare(m, "zlib-demo").assert_line("True");
    }
    pub fn old_time(m: &Machine) {
        compare(m, "old-time-demo").assert_line("now is after 2020: True");
    }
    pub fn vector(m: &Machine) {
        compare(m, "vector-demo");
    }
    /// Structure layouts and constants from halvm-hsc2hs (cross mode,
    /// minlibc's headers) equal native hsc2hs's with glibc.
    pub fn hsc2hs_constants(m: &Machine) {
        compare(m, "hsc-demo").assert_line("sizeof(struct stat) = 144");
    }
    /// Boots a cabal program with a virtio-net card on QEMU's user
    /// networking (these forwards), the network stack's own console lines
    /// (`halvm: net: ...`, which the Linux build cannot print) left out of
    /// the lines compared.
    fn boot_networked(m: &Machine, program: &Program, forwards: &[bootkit::Forward]) -> (Outcome, Vec<String>) {
        let out = run_boot(image_boot(m, program.name, program)
            .memory_mib(128)
            .timeout(Duration::from_secs(120))
            .user_network(forwards));
        let lines = guest_lines(m, &out).into_iter().filter(|l| !l.starts_with("halvm: net: ")).collect();
        (out, lines)
    }

    /// The `network` package (3.1.2.7, unchanged, its configure script run
    /// for the target): a TCP echo server with a thread per connection and
    /// its clients in one program over 127.0.0.1 (the guest's loopback),
    /// numeric getAddrInfo; the same lines as on Linux.
    pub fn network(m: &Machine) {
        let program = Program { name: "network-demo", args: &[] };
        let want = expected(&program);
        let (out, got) = boot_networked(m, &program, &[]);
        crate::compare_lines(&out, &got, &want);
        out.assert_line("echoed 3 messages over 127.0.0.1: True");
        out.assert_line("client side: (127,0,0,1) to (127,0,0,1), the server's port: True");
        out.assert_line("10 concurrent clients echoed: True");
        out.assert_line("1 MiB echoed intact: True");
    }

    /// getAddrInfo of host names through the `network` package, minlibc and
    /// rts-xen's DNS resolver, against bootkit's DNS responder (reached as
    /// `halvm.dns=10.0.2.2:PORT`): an address, a CNAME chain's end as the
    /// canonical name, several addresses in the answer's order, and a name
    /// that does not exist as the IOException Linux gives; one query each.
    pub fn network_dns(m: &Machine) {
        let responder = bootkit::dns::Responder::start().expect("binding the DNS responder's UDP socket");
        let dns = format!("halvm.dns=10.0.2.2:{}", responder.port());
        let args = ["resolve", &dns, "service.halvm.test", "alias.halvm.test", "many.halvm.test", "missing.halvm.test"];
        let out = run_boot(Boot::new(images_dir().join("network-demo.xen"), m.clone())
            .args(kernel_cmdline(&args))
            .memory_mib(128)
            .timeout(Duration::from_secs(120))
            .user_network(&[]));
        let queries = responder.stop();
        out.assert_line("resolve service.halvm.test: 192.0.2.7:80 canonical service.halvm.test");
        out.assert_line("resolve alias.halvm.test: 192.0.2.7:80 canonical service.halvm.test");
        out.assert_line("resolve many.halvm.test: 192.0.2.1:80 192.0.2.2:80 192.0.2.3:80 canonical many.halvm.test");
        let missing = out.assert_line("resolve missing.halvm.test: error: ");
        if !missing.text.contains("does not exist (Name or service not known)") {
            out.fail("the missing name's error is not Linux's \"does not exist (Name or service not known)\"");
        }
        out.assert_exit(0);
        let mut names: Vec<&str> = queries.iter().map(|q| q.name.as_str()).collect();
        names.sort();
        if names != ["alias.halvm.test", "many.halvm.test", "missing.halvm.test", "service.halvm.test"] {
            out.fail(&format!("the DNS responder got queries for {names:?}, one for each name expected"));
        }
    }

    /// The same program serving its echo on port 7 and HTTP/1.0 on port 80
    /// after the self-test, with a static address this time (`halvm.ip=`,
    /// which the program's arguments do not show), reached from the host
    /// through port forwards:
    /// 256 KiB echoed (the rate is printed), then over HTTP ([`http_checks`])
    /// 10 MiB checked by sha256, 50 connections at once and a client that
    /// leaves midway; then `quit` ends the program with status 0.
    pub fn network_server(m: &Machine) {
        use std::io::{Read, Write};
        use std::net::{TcpListener, TcpStream};

        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let http_port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let program = Program {
            name: "network-demo",
            args: &["serve", "halvm.ip=10.0.2.15/24", "7", "halvm.gw=10.0.2.2", "80", "halvm.dns=10.0.2.3"],
        };
        let machine = m.clone();
        let forwards = [bootkit::Forward::tcp(port, 7), bootkit::Forward::tcp(http_port, 80)];
        let guest = std::thread::spawn(move || boot_networked(&machine, &program, &forwards));
        let payload = bootkit::echo::echo_payload(256 * 1024);
        let (echoed, took) =
            bootkit::echo::echo_through_forward(port, &payload, Duration::from_secs(90), Duration::from_secs(30))
                .unwrap_or_else(|e| panic!("network_server: {e}"));
        assert!(echoed == payload, "{} of {} bytes came back, or different ones", echoed.len(), payload.len());
        eprintln!("network_server: {} KiB echoed in {:.1} ms ({:.2} MB/s each way)", payload.len() / 1024,
                  took.as_secs_f64() * 1e3, payload.len() as f64 / took.as_secs_f64() / 1e6);
        // the echo answering means the HTTP listener (opened before it
        // printed "serving the echo") is up too
        // (a failure is reported after the guest quit, with its console)
        let http = std::panic::catch_unwind(|| http_checks(http_port));
        let mut q = TcpStream::connect(("127.0.0.1", port)).unwrap();
        q.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        q.write_all(b"quit\n").unwrap();
        let mut bye = [0u8; 4];
        q.read_exact(&mut bye).unwrap();
        assert_eq!(&bye, b"bye\n");
        let (out, _) = guest.join().unwrap();
        if let Err(e) = http {
            let what = e.downcast_ref::<String>().cloned().or(e.downcast_ref::<&str>().map(|s| s.to_string()));
            out.fail(&format!("HTTP from the host: {}", what.unwrap_or_default()));
        }
        out.assert_line("halvm: net: eth0 52:54:00:12:34:56 address 10.0.2.15/24 gateway 10.0.2.2 dns 10.0.2.3 (static)");
        let serving = out.assert_line("serving the echo on port 7").at;
        eprintln!("network_server: serving {:.2} s after QEMU started", serving.as_secs_f64());
        out.assert_line("1 MiB echoed intact: True");
        out.assert_line("serving HTTP on port 80");
        // the client that left midway ended only its own thread
        let gone = out.assert_line("http: a client went away: ");
        eprintln!("network_server: the guest saw {:?}", gone.text);
        out.assert_line("quit received");
        out.assert_exit(0);
    }

    use bootkit::http_demo::{big_body, BIG_SIZE};

    /// One HTTP/1.0 request on a fresh connection: the status line and the
    /// body (read until the server closes), its length checked against
    /// Content-Length.
    fn http_get(port: u16, path: &str) -> (String, Vec<u8>) {
        let c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("GET {path}: {e}"));
        http_exchange(c, path)
    }

    /// [`http_get`] on a connection already open.
    fn http_exchange(mut c: std::net::TcpStream, path: &str) -> (String, Vec<u8>) {
        use std::io::{Read, Write};
        c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        c.write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes()).unwrap();
        let mut all = Vec::new();
        c.read_to_end(&mut all).unwrap_or_else(|e| panic!("GET {path}: {e} after {} bytes", all.len()));
        let r = bootkit::http_demo::parse_response(&all).unwrap_or_else(|e| panic!("GET {path}: {e}"));
        (r.status, r.body)
    }

    /// HTTP from the host to network-demo's `httpLoop`: 10 MiB checked by
    /// sha256 against the same generator run here, 50 connections at once
    /// each answered with its own name, and a client that reads 1 MiB of
    /// the big response and disconnects, after which the server still
    /// answers. Times are printed, not asserted.
    fn http_checks(port: u16) {
        use sha2::{Digest, Sha256};
        use std::io::Read;
        use std::time::Instant;

        let t = Instant::now();
        let (status, body) = http_get(port, "/big");
        let took = t.elapsed();
        assert_eq!(status, "HTTP/1.0 200 OK");
        assert_eq!(body.len(), BIG_SIZE);
        let (got, want) = (Sha256::digest(&body), Sha256::digest(big_body()));
        assert!(got == want, "GET /big: sha256 {got:x}, the generator's {want:x}");
        eprintln!("network_server: 10 MiB over HTTP in {:.2} s ({:.2} MB/s), sha256 {got:x}",
                  took.as_secs_f64(), BIG_SIZE as f64 / took.as_secs_f64() / 1e6);

        // 50 connections open at the guest at the same time, then all send
        // their request at once (the barrier) and wait for the answer.
        // The connects are 20 ms apart because QEMU's user networking
        // listens for a forward with a backlog of 1 (`ss -ltn`): a burst
        // overflows the host kernel's accept queue, and a connection then
        // waits for SYN retransmits (seconds) before QEMU even sees it.
        let clients = 50;
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(clients + 1));
        let connecting = Instant::now();
        let threads: Vec<_> = (0..clients)
            .map(|i| {
                let barrier = barrier.clone();
                std::thread::sleep(Duration::from_millis(20));
                let c = std::net::TcpStream::connect(("127.0.0.1", port))
                    .unwrap_or_else(|e| panic!("concurrent client {i}: {e}"));
                std::thread::spawn(move || {
                    barrier.wait();
                    http_exchange(c, &format!("/hello/client{i}"))
                })
            })
            .collect();
        barrier.wait();
        let connected = connecting.elapsed();
        let t = Instant::now();
        let answers: Vec<_> = threads.into_iter().map(|t| t.join().expect("a concurrent client failed")).collect();
        let took = t.elapsed();
        for (i, (status, body)) in answers.iter().enumerate() {
            assert_eq!(status, "HTTP/1.0 200 OK", "client {i}");
            assert_eq!(String::from_utf8_lossy(body), format!("hello client{i}\n"), "client {i}");
        }
        eprintln!("network_server: {clients} HTTP connections opened in {:.2} s (paced), \
                   their requests sent at once all answered in {:.3} s", connected.as_secs_f64(), took.as_secs_f64());

        // Leaves after 1 MiB of the 10 (unread data: the host resets the
        // connection), then the server must still answer.
        {
            use std::io::Write;
            let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            c.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            c.write_all(b"GET /big HTTP/1.0\r\n\r\n").unwrap();
            let mut got = 0;
            let mut buf = vec![0u8; 65536];
            while got < 1024 * 1024 {
                match c.read(&mut buf) {
                    Ok(0) => panic!("the big response ended after {got} bytes"),
                    Ok(n) => got += n,
                    Err(e) => panic!("the big response failed after {got} bytes: {e}"),
                }
            }
        }
        let (status, body) = http_get(port, "/hello/after-the-disconnect");
        assert_eq!(status, "HTTP/1.0 200 OK");
        assert_eq!(body, b"hello after-the-disconnect\n");
    }
    /// Template Haskell with Hackage packages (file-embed, th-abstraction,
    /// splitmix run inside a splice), built by halvm-cabal.
    pub fn template_haskell(m: &Machine) {
        let out = compare(m, "th-demo");
        out.assert_line("embedded at compile time by file-embed");
        out.assert_line("(\"Car\",2)");
        out.assert_line("True");
    }
}

/// Instantiates cabal_checks as `#[test]`s for one machine.
#[macro_export]
macro_rules! cabal_checks {
    ($machine:expr => $($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                $crate::cabal_checks::$check(&$machine);
            }
        )*
    };
}

/// Instantiates every check as a `#[test]` for one machine.
#[macro_export]
macro_rules! ghc_checks {
    ($machine:expr => $($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                $crate::checks::$check(&$machine);
            }
        )*
    };
}
