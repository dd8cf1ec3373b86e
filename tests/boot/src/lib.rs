//! The boot checks of rts-xen's freestanding test images
//! (tests/freestanding/*.c), written once and run on every machine:
//! tests/qemu_tcg.rs, tests/qemu_kvm.rs and tests/xen.rs each instantiate
//! them with `boot_checks!`.
//!
//! Environment (set by `cargo xtask test`):
//! - `HALVM_TEST_IMAGES`: directory of the built test images;
//! - `HALVM_BUILD_DIR`: the build directory (the Xen binary is
//!   decompressed into `xen/` below it).

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use halvm_bootkit::module_file;

pub use halvm_bootkit::{self as bootkit, status, Accel, Boot, Machine, Outcome};

/// The DNS responder of the `dns_lookup` check.
pub mod dns;

/// Guest memory of most boots: small, so that exhausting it is quick.
const MEMORY_MIB: u32 = 64;

fn env_dir(var: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => panic!("{var} is not set; run these tests with `cargo xtask test --lane qemu` or `--lane xen`, \
                     which build the images and set it"),
    }
}

pub fn image(name: &str) -> PathBuf {
    env_dir("HALVM_TEST_IMAGES").join(name)
}

/// The Xen-in-QEMU machine, with the hypervisor decompressed on first use.
pub fn xen_machine() -> Machine {
    let dir = env_dir("HALVM_BUILD_DIR").join("xen");
    let hypervisor = bootkit::xen::hypervisor(&dir)
        .unwrap_or_else(|e| panic!("cannot prepare the Xen hypervisor from {} in {}: {e}",
                                   bootkit::xen::PACKAGED, dir.display()));
    Machine::XenInQemu { hypervisor }
}

/// Boots `image` with `args` on `machine` (60 s hard timeout).
pub fn boot(machine: &Machine, image_name: &str, args: &str) -> Outcome {
    boot_with(Boot::new(image(image_name), machine.clone()).args(args).memory_mib(MEMORY_MIB))
}

/// Runs a configured boot (the bootkit's default timeout is 60 s).
fn boot_with(b: Boot) -> Outcome {
    let what = format!("{b:?}");
    b.run().unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// The lines minlibc's smoke test prints on every machine (the entropy
/// lines, which depend on the CPU, are checked apart), kept beside the
/// program: the domU lane checks the same file.
pub const LIBC_SMOKE_LINES: &str = include_str!("../../../minlibc/tests-boot/libc_smoke.expected");

/// What minlibc/tests-boot/files_smoke.c prints about the tree of
/// minlibc/tests-boot/files-tree, wherever the tree comes from.
pub const FILES_SMOKE_LINES: &str = include_str!("../../../minlibc/tests-boot/files_smoke.expected");

/// The test tree packed as halvm-run --files packs it.
pub fn files_tree_archive() -> Vec<u8> {
    let tree = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../minlibc/tests-boot/files-tree");
    halvm_tools::files::archive_of(&tree).unwrap_or_else(|e| panic!("packing the test tree: {e}"))
}

pub mod checks {
    use super::*;

    pub use crate::dns::dns_lookup;

    /// minlibc's sockets on rts-xen's stack under QEMU's user networking
    /// (minlibc/tests-boot/net_echo.c): the guest's own checks pass, its
    /// client connection reaches a listener of this test through the
    /// gateway 10.0.2.2 (an unknown `halvm.` word is reported and argv
    /// does not hold it), and through port forwards a TCP client gets
    /// 256 KiB echoed intact, a UDP datagram comes back, and "quit" ends
    /// the guest with status 0 after it counted exactly that traffic.
    pub fn net_echo(m: &Machine) {
        use std::io::{Read, Write};
        use std::net::{TcpListener, TcpStream, UdpSocket};

        let free_port = || TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (tcp_port, udp_port) = (free_port(), UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port());
        // the guest's client check connects here
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host_port = listener.local_addr().unwrap().port();
        let answer = std::thread::spawn(move || -> std::io::Result<()> {
            let (mut c, _) = listener.accept()?;
            c.set_read_timeout(Some(Duration::from_secs(30)))?;
            let mut line = Vec::new();
            let mut byte = [0u8; 1];
            while c.read(&mut byte)? == 1 && byte[0] != b'\n' {
                line.push(byte[0]);
            }
            c.write_all(format!("hello guest, you said {}\n", String::from_utf8_lossy(&line)).as_bytes())
        });
        // a platform word no setting has: reported, and kept out of argv
        // like every `halvm.` word (net_echo.c checks its argv)
        let boot = Boot::new(image("net_echo"), m.clone()).args(format!("halvm.no_such=1 {host_port}")).memory_mib(MEMORY_MIB)
            .user_network(&[bootkit::Forward::tcp(tcp_port, 7), bootkit::Forward::udp(udp_port, 7)]);
        let what = format!("{boot:?}");
        let guest = std::thread::spawn(move || boot.run());

        let payload = bootkit::echo::echo_payload(256 * 1024);
        let (echoed, elapsed) =
            bootkit::echo::echo_through_forward(tcp_port, &payload, Duration::from_secs(30), Duration::from_secs(20))
                .unwrap_or_else(|e| panic!("{e}; {what}"));
        assert!(echoed == payload, "{} of {} bytes came back, or different ones", echoed.len(), payload.len());
        eprintln!("net_echo: {} KiB echoed in {:.1} ms ({:.1} MB/s each way)", payload.len() / 1024,
                  elapsed.as_secs_f64() * 1e3, payload.len() as f64 / elapsed.as_secs_f64() / 1e6);

        let u = UdpSocket::bind("127.0.0.1:0").unwrap();
        u.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        u.send_to(b"a datagram", ("127.0.0.1", udp_port)).unwrap();
        let mut buf = [0u8; 64];
        let (n, _) = u.recv_from(&mut buf).expect("the UDP echo");
        assert_eq!(&buf[..n], b"a datagram");

        let mut q = TcpStream::connect(("127.0.0.1", tcp_port)).unwrap();
        q.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        q.write_all(b"quit\n").unwrap();
        let mut bye = String::new();
        let _ = q.read_to_string(&mut bye);
        assert_eq!(bye, "bye\n");
        drop(q); // the guest waits for this close before it exits

        let out = guest.join().unwrap().unwrap_or_else(|e| panic!("{what}: {e}"));
        answer.join().unwrap().unwrap_or_else(|e| out.fail(&format!("the guest's client connection: {e}")));
        out.assert_line("halvm: net: eth0 52:54:00:12:34:56 address 10.0.2.15/24 gateway 10.0.2.2 dns 10.0.2.3 (DHCP)");
        let card = out.assert_line("halvm: net: virtio-net at PCI 00:");
        if !card.text.contains(", IRQ ") {
            out.fail("the card has no interrupt line: the driver fell back to polling");
        }
        out.assert_line("halvm: ignoring \"halvm.no_such=1\": no setting of that name");
        out.assert_line("net_echo: 0 check(s) failed");
        out.assert_line("net_echo: the host answered [hello guest, you said hello from halvm]");
        out.assert_line(&format!("net_echo: quit after 2 connection(s), {} bytes echoed over tcp, 1 udp datagram(s)",
                                 payload.len()));
        out.assert_exit(0);
    }

    /// minlibc on the machine (minlibc/tests-boot/libc_smoke.c): printf,
    /// snprintf truncation, strtod (exact bits), malloc, libm, time,
    /// entropy (see `assert_libc_entropy`), and exit(3) from main's return
    /// running the atexit handler after the unflushed last line. Expected
    /// values are independent of minlibc.
    pub fn libc_smoke(m: &Machine) {
        let out = boot(m, "libc_smoke", "");
        for line in LIBC_SMOKE_LINES.lines() {
            out.assert_line(line);
        }
        assert_libc_entropy(&out);
        out.assert_exit(3);
    }

    /// The file tree embedded at link time (files_embedded: files-tree
    /// in .halvm_files): contents, listing, stat, links, read-only
    /// refusals, a /tmp round trip, /tmp full at its 16 MiB default.
    pub fn files_embedded(m: &Machine) {
        let out = boot_with(Boot::new(image("files_embedded"), m.clone()).memory_mib(MEMORY_MIB));
        for line in FILES_SMOKE_LINES.lines() {
            out.assert_line(line);
        }
        out.assert_exit(0);
    }

    /// The same tree given at boot as a module (QEMU -initrd, Xen's
    /// module after the image) to an image without embedded files.
    pub fn files_module(m: &Machine) {
        let module = module_file(&format!("files-module-{}", m.name()), &files_tree_archive());
        let out = boot_with(Boot::new(image("files_smoke"), m.clone()).memory_mib(MEMORY_MIB).boot_module(&module));
        for line in FILES_SMOKE_LINES.lines() {
            out.assert_line(line);
        }
        out.assert_exit(0);
    }

    /// Without files the program still runs: only /tmp exists.
    pub fn files_none(m: &Machine) {
        let out = boot(m, "files_smoke", "");
        out.assert_line("files: /hello.txt: fopen failed (ENOENT)");
        out.assert_line("files: ls /: . .. tmp");
        out.assert_line("files: /tmp/note.txt: [written in /tmp]");
        out.assert_exit(0);
    }

    /// Embedded tree and boot module together: the module's file wins.
    pub fn files_overlay(m: &Machine) {
        let mut tar = tar::Builder::new(Vec::new());
        let data = b"hello from the boot module\n";
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        tar.append_data(&mut h, "hello.txt", &data[..]).unwrap();
        let module = module_file(&format!("files-overlay-{}", m.name()), &tar.into_inner().unwrap());
        let out = boot_with(Boot::new(image("files_embedded"), m.clone()).args("quiet").memory_mib(MEMORY_MIB)
            .boot_module(&module));
        out.assert_line("files: /hello.txt: [hello from the boot module]");
        out.assert_exit(0);
    }

    /// A hostile module ("../escape") stops the image before main with a
    /// line naming the entry and HALVM_EXIT_BAD_FILES (120).
    pub fn files_hostile_module(m: &Machine) {
        let mut h = tar::Header::new_ustar();
        h.as_old_mut().name[..9].copy_from_slice(b"../escape");
        h.set_size(0);
        h.set_mode(0o644);
        h.set_cksum();
        let mut tar = tar::Builder::new(Vec::new());
        tar.append(&h, std::io::empty()).unwrap();
        let module = module_file(&format!("files-hostile-{}", m.name()), &tar.into_inner().unwrap());
        let out = boot_with(Boot::new(image("files_smoke"), m.clone()).memory_mib(MEMORY_MIB).boot_module(&module));
        out.assert_line("halvm: boot module 0 is not a usable file archive: entry \"../escape\"");
        if out.console.find("files:").is_some() {
            out.fail("main ran despite the hostile archive");
        }
        out.assert_exit(120);
    }

    /// A yes/no value on the console.
    fn yes_no(out: &Outcome, prefix: &str) -> bool {
        match out.value::<String>(prefix).as_str() {
            "yes" => true,
            "no" => false,
            other => out.fail(&format!("{prefix:?} is followed by {other:?}, not yes or no")),
        }
    }

    /// libc_smoke's entropy lines, held against what the program read
    /// from CPUID itself: with RDRAND or RDSEED, getrandom gives two
    /// different reads, getentropy 0, /dev/urandom (a character device)
    /// bytes and a stream on it two different values; without either,
    /// ENOSYS from getrandom and getentropy, and /dev/urandom, still a
    /// character device, refuses to open with ENXIO, also through fopen
    /// (so splitmix seeds from the clock, not its constant). Returns
    /// whether the CPU has a generator.
    fn assert_libc_entropy(out: &Outcome) -> bool {
        let generator = yes_no(out, "libc: cpu generator: ");
        let lines = if generator {
            ["libc: getrandom: 32 bytes twice, different", "libc: getentropy: 0 (none)",
             "libc: /dev/urandom: a character device, read 32 (none)",
             "libc: fopen(/dev/urandom): fread 1 twice, different, fclose 0"]
        } else {
            ["libc: getrandom: -1 (ENOSYS)", "libc: getentropy: -1 (ENOSYS)",
             "libc: /dev/urandom: a character device, open failed (ENXIO)",
             "libc: fopen(/dev/urandom): NULL (ENXIO)"]
        };
        for line in lines {
            out.assert_line(line);
        }
        generator
    }

    /// The entropy image's account (tests/freestanding/entropy.c), held
    /// against what it read from CPUID itself: with RDRAND or RDSEED every
    /// halvm_entropy call returns 0 and two 32-byte reads differ; without
    /// either every call returns -1. A 13-byte read never touches the
    /// bytes after it. Returns what the CPU advertises, (RDRAND, RDSEED).
    fn assert_entropy(out: &Outcome) -> (bool, bool) {
        let advertised = (yes_no(out, "entropy: cpuid rdrand: "), yes_no(out, "entropy: cpuid rdseed: "));
        if advertised.0 || advertised.1 {
            out.assert_line("entropy: 32-byte reads returned 0 0");
            out.assert_line("entropy: the two reads differ: yes");
            out.assert_line("entropy: 13-byte read returned 0,");
            out.assert_line("entropy: empty read returned 0");
        } else {
            out.assert_line("entropy: 32-byte reads returned -1 -1");
            out.assert_line("entropy: 13-byte read returned -1,");
            out.assert_line("entropy: empty read returned -1");
        }
        out.assert_line("the bytes after it untouched: yes");
        out.assert_exit(0);
        advertised
    }

    /// halvm_entropy on the machine's usual CPU model: QEMU's default
    /// (qemu64) has neither RDRAND nor RDSEED, so on bare QEMU this is the
    /// honest failure; Xen-in-QEMU runs on "max", which has both.
    pub fn entropy(m: &Machine) {
        let out = boot(m, "entropy", "");
        let advertised = assert_entropy(&out);
        let expected = if matches!(m, Machine::XenInQemu { .. }) { (true, true) } else { (false, false) };
        if advertised != expected {
            out.fail(&format!("the CPU advertises (RDRAND, RDSEED) = {advertised:?}, not {expected:?} as on {}, \
                               so the path this check covers there went untested", m.name()));
        }
    }

    /// Every combination of the two instructions, on CPU models that TCG
    /// emulates exactly: an instruction the model does not advertise raises
    /// #UD, so rts-xen must use the advertised one (RDSEED first). Then
    /// minlibc's getrandom, getentropy and /dev/urandom with a generator
    /// (libc_smoke on "max"). TCG only: under KVM a model can only offer
    /// what the host CPU has.
    pub fn entropy_by_cpu_model(m: &Machine) {
        for (model, expected) in [("max", (true, true)), ("max,-rdseed", (true, false)),
                                  ("qemu64,+rdseed", (false, true)), ("qemu64", (false, false))] {
            let out = boot_with(Boot::new(image("entropy"), m.clone()).memory_mib(MEMORY_MIB).cpu_model(model));
            let advertised = assert_entropy(&out);
            if advertised != expected {
                out.fail(&format!("CPU model {model:?} advertises (RDRAND, RDSEED) = {advertised:?}, not {expected:?}"));
            }
        }
        let out = boot_with(Boot::new(image("libc_smoke"), m.clone()).memory_mib(MEMORY_MIB).cpu_model("max"));
        if !assert_libc_entropy(&out) {
            out.fail("CPU model \"max\" advertises no generator, so minlibc's entropy went untested with one");
        }
        out.assert_exit(3);
    }

    pub fn hello_and_exit_0(m: &Machine) {
        let out = boot(m, "basic", "");
        out.assert_line("hello from halvm");
        let kind = if matches!(m, Machine::XenInQemu { .. }) { "platform: xen-dom0" } else { "platform: qemu" };
        out.assert_line(kind);
        out.assert_line("argc: 1");
        out.assert_line("argv[0]: [halvm]");
        out.assert_exit(0);
    }

    pub fn exit_1(m: &Machine) {
        boot(m, "basic", "1").assert_exit(1);
    }

    pub fn argv_with_quotes_and_exit_42(m: &Machine) {
        let out = boot(m, "basic", r#"42 'two words' "say \"hi\"" back\ slash a'b c'd """#);
        out.assert_line("argc: 7");
        for line in ["argv[1]: [42]", "argv[2]: [two words]", r#"argv[3]: [say "hi"]"#,
                     "argv[4]: [back slash]", "argv[5]: [ab cd]", "argv[6]: []"] {
            out.assert_line(line);
        }
        out.assert_exit(42);
    }

    pub fn malformed_cmdline(m: &Machine) {
        let out = boot(m, "basic", "0 'unterminated");
        out.assert_line("halvm: cannot split the command line into arguments: the single quote at byte 2 is never closed");
        if out.console.contains("hello from halvm") {
            out.fail("main() ran despite the malformed command line");
        }
        out.assert_exit(status::BAD_CMDLINE);
    }

    pub fn too_many_arguments(m: &Machine) {
        let out = boot(m, "basic", &"a ".repeat(300));
        out.assert_line("more than 255 arguments");
        out.assert_exit(status::BAD_CMDLINE);
    }

    /// Only where the loader passes long lines whole (Xen cuts a dom0
    /// command line at 1 KiB itself, QEMU's PVH loader at about 4.1 KiB).
    pub fn oversized_cmdline(m: &Machine) {
        let out = boot(m, "basic", &"x".repeat(4097));
        out.assert_line("the command line is longer than 4096 bytes, the most accepted");
        out.assert_exit(status::BAD_CMDLINE);
    }

    /// A wrong hvm_start_info magic: QEMU's PVH loader (QEMU 10.0) puts
    /// the command line right below hvm_start_info, so a line of 4.5 KiB
    /// overwrites the magic. The entry code must say so on COM1 and stop
    /// (through isa-debug-exit) before anything else runs. If a newer QEMU
    /// stops overwriting, this check fails with the image's normal output.
    pub fn wrong_boot_magic(m: &Machine) {
        let out = boot(m, "basic", &"x".repeat(4500));
        out.assert_line("halvm: not started by a PVH loader (hvm_start_info magic wrong)");
        if out.end != bootkit::End::DebugExit(status::BAD_BOOT_MAGIC) {
            out.fail(&format!("expected the debug-exit status {} of a wrong magic", status::BAD_BOOT_MAGIC));
        }
    }

    /// How late a timer may fire on a machine.
    struct Tolerance {
        /// Longest a 200 ms sleep may take on the guest's own clock.
        sleep_ms: u64,
        /// Range of the same sleep seen from the host (console line
        /// arrival times, which add the console path's latency).
        outside_ms: (u64, u64),
        /// Fewest ticks of a 100 Hz ticker in one second.
        min_ticks: u64,
    }

    fn tolerance(m: &Machine) -> Tolerance {
        match m {
            Machine::Qemu(_) => Tolerance { sleep_ms: 250, outside_ms: (150, 450), min_ticks: 90 },
            // Every timer interrupt passes through Xen, itself emulated by
            // TCG: wake-ups come 5-20 ms late when QEMU has a CPU to
            // itself, up to 130 ms late when another boot competes for it.
            Machine::XenInQemu { .. } => Tolerance { sleep_ms: 350, outside_ms: (150, 700), min_ticks: 85 },
        }
    }

    /// Clock, sleep, ticks and red zone (time.c): a 200 ms sleep is at
    /// least 200 ms and at most the machine's tolerance; ticks of a 100 Hz
    /// ticker in one second are between the machine's minimum and 110; the
    /// wall clock is within 10 s of the host's.
    pub fn time(m: &Machine) {
        let tol = tolerance(m);
        let out = boot(m, "time", "");
        out.assert_line("monotonic: never went back");
        let host_now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
        let wall: i64 = out.value("wallclock-s: ");
        // The line was printed at most the boot's duration ago.
        let earliest = host_now - out.elapsed.as_secs() as i64 - 10;
        if wall < earliest || wall > host_now + 10 {
            out.fail(&format!("guest wall clock {wall} is not within 10 s of the host's ({earliest}..{host_now})"));
        }
        let elapsed_ns: u64 = out.value("sleep: end, elapsed-ns ");
        if !(200_000_000..tol.sleep_ms * 1_000_000).contains(&elapsed_ns) {
            out.fail(&format!("a 200 ms sleep took {elapsed_ns} ns on the guest's clock (allowed 200..{} ms)",
                              tol.sleep_ms));
        }
        let outside = out.assert_line("sleep: end").at - out.assert_line("sleep: start").at;
        let (lo, hi) = tol.outside_ms;
        if !(Duration::from_millis(lo)..Duration::from_millis(hi)).contains(&outside) {
            out.fail(&format!("a 200 ms sleep took {outside:?} seen from the host (allowed {lo}..{hi} ms)"));
        }
        let ticks: u64 = out.value("ticks: ");
        if !(tol.min_ticks..=110).contains(&ticks) {
            out.fail(&format!("{ticks} ticks at 100 Hz in one second (allowed {}..=110)", tol.min_ticks));
        }
        out.assert_line("red zone: 0 of 16 slots damaged");
        out.assert_line("time: all checks passed");
        out.assert_exit(0);
    }

    /// Console input ends a halt in halvm_block_until(UINT64_MAX) (COM1's
    /// interrupt on QEMU, VIRQ_CONSOLE under Xen) and reads back intact.
    pub fn console_input(m: &Machine) {
        let out = boot_with(Boot::new(image("echo"), m.clone()).memory_mib(MEMORY_MIB).input_after("echo: ready", "typed line\r"));
        out.assert_line("echo: [typed line] after ");
        let halts: u64 = out.value("] after ");
        // The input is typed 200 ms after "ready", so the guest must have
        // halted at least once; after that, one halt per arriving chunk at
        // most. A spinning wait would count thousands, a missing wake-up
        // would hit the timeout instead.
        if halts == 0 {
            out.fail("the guest never halted waiting for input, so nothing was tested");
        }
        if halts > 12 {
            out.fail(&format!("{halts} halts for 11 typed bytes: block_until does not wait for input"));
        }
        out.assert_exit(0);
    }

    pub fn memory(m: &Machine) {
        let out = boot(m, "memory", "");
        let total_kib: u64 = out.value("memory: total ");
        if total_kib < (MEMORY_MIB as u64 - 8) * 1024 / 10 * 8 {
            out.fail(&format!("only {total_kib} KiB managed of {MEMORY_MIB} MiB"));
        }
        out.assert_line("memory: alignment, zeroing and free ok");
        out.assert_line("halvm: out of memory: cannot allocate 1 megablocks (1024 KiB)");
        out.assert_line("halvm: out of memory: cannot allocate 1 pages (4 KiB); 0 KiB of");
        out.assert_line("exhaust: all memory freed and reusable");
        out.assert_exit(0);
    }

    /// __thread variables and the thread control block (tls.c checks the
    /// values, alignment and placement itself).
    pub fn thread_local_storage(m: &Machine) {
        let out = boot(m, "tls", "");
        out.assert_line("tls: all checks passed");
        out.assert_exit(0);
    }

    /// RAM above 4 GiB is identity-mapped and handed out: page runs come
    /// from the top of memory, so with 4.5 GiB the first run lies above
    /// 4 GiB and is written and read back.
    pub fn memory_above_4gib(m: &Machine) {
        let out = boot_with(Boot::new(image("memory"), m.clone()).args("no-exhaust").memory_mib(4608));
        let total_kib: u64 = out.value("memory: total ");
        if total_kib < 4400 * 1024 {
            out.fail(&format!("only {total_kib} KiB managed of 4608 MiB"));
        }
        let at: String = out.value("memory: page run at ");
        let addr = u64::from_str_radix(at.trim_start_matches("0x"), 16)
            .unwrap_or_else(|_| out.fail(&format!("{at:?} is not an address")));
        if addr < 1 << 32 {
            out.fail(&format!("the highest page run is at {addr:#x}, below 4 GiB"));
        }
        out.assert_line("memory: all checks passed");
        out.assert_exit(0);
    }

    /// The fault report line; QEMU's emulation of nested SVM leaves the
    /// guest's CR2 stale under Xen-in-QEMU, so its value is only checked
    /// on bare QEMU.
    fn fault(m: &Machine, kind: &str, vector: &str) -> Outcome {
        let out = boot(m, "fault", kind);
        let line = &out.assert_line("halvm: CPU fault: ").text;
        for part in [vector, "error code 0x", "RIP 0x", "RSP 0x", "CR2 0x"] {
            if !line.contains(part) {
                out.fail(&format!("the fault report lacks {part:?}"));
            }
        }
        if out.console.contains("FAIL:") {
            out.fail("the program continued after the fault");
        }
        out.assert_exit(status::CPU_FAULT);
        out
    }

    pub fn fault_null(m: &Machine) {
        let out = fault(m, "null", "vector 14 (#PF page fault), error code 0x0,");
        if matches!(m, Machine::Qemu(_)) {
            out.assert_line("CR2 0x0000000000000000");
        }
    }

    pub fn fault_stack_overflow(m: &Machine) {
        let out = fault(m, "stack", "vector 14 (#PF page fault), error code 0x2,");
        out.assert_line("halvm: stack overflow: the fault hit the guard page below the");
    }

    pub fn fault_invalid_opcode(m: &Machine) {
        fault(m, "ud", "vector 6 (#UD invalid opcode)");
    }
}

/// Defines one `#[test]` per check for the machine `$machine` (an
/// expression of type `Machine`): every check, or only those listed after
/// `=>` where a machine cannot support them all.
#[macro_export]
macro_rules! boot_checks {
    ($machine:expr) => {
        $crate::boot_checks!($machine => hello_and_exit_0, exit_1, argv_with_quotes_and_exit_42,
            malformed_cmdline, too_many_arguments, oversized_cmdline, wrong_boot_magic, time,
            console_input, memory, memory_above_4gib, thread_local_storage, fault_null,
            fault_stack_overflow, fault_invalid_opcode, libc_smoke, entropy, files_embedded,
            files_module, files_none, files_overlay, files_hostile_module);
    };
    ($machine:expr => $($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                $crate::checks::$check(&$machine);
            }
        )*
    };
}
