//! The domU lane's cases and what each must show: the xen lane's checks
//! (tests/boot/src/lib.rs, tests/ghc/src/lib.rs) where they apply to an
//! ordinary guest, plus how xl saw the guest end.
//!
//! Left out, and why: the over-long and 4.5 KiB command lines (they test
//! QEMU's and Xen's dom0 loaders), memory above 4 GiB (the test machine has
//! 1 GiB), the entropy image on other CPU models (the guest gets Xen's
//! model, not QEMU's) and console arrival times (xenconsoled's log has
//! none: `time` is checked on the guest's own clock, `Delay` by its own
//! "not early" line only).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use halvm_bootkit::{status, EXIT_LINE_PREFIX};

use super::plan::{Guest, Input};

/// A case: the guest to create and what it must show.
pub struct Case {
    pub guest: Guest,
    pub check: Check,
}

pub enum Check {
    /// Assertions on the guest's console and ending.
    Assert(fn(&Ended) -> Result<(), String>),
    /// A Haskell program: its console and exit status must equal those of
    /// its Linux build (`linux`, run with `args`), and contain `lines`.
    Haskell { linux: PathBuf, args: Vec<String>, lines: &'static [&'static str] },
    /// A guest that never ends by itself: it must be destroyed at its time
    /// limit after printing `ready`, and the run must go on.
    Hangs { ready: &'static str },
}

/// How a guest ended, as the checks see it.
pub struct Ended<'a> {
    /// The guest's console, as xenconsoled logged it.
    pub console: &'a [String],
    /// xl's reason code.
    pub reason: Option<u8>,
    /// For a kept guest, the value dom0 read from its XenStore key
    /// data/halvm/exit-status (`none` when the read failed).
    pub exit_status_key: Option<&'a str>,
    /// The host's clock (seconds since 1970) when QEMU started and ended.
    pub host_window: (u64, u64),
}

/// Where rts-xen records an ordinary domain's exit status (rts-xen/src/xen/store.rs),
/// relative to the domain's /local/domain/<domid>/.
pub const STATUS_KEY: &str = "data/halvm/exit-status";

/// SCHEDOP_shutdown's reasons as xl reports them (xen/sched.h).
const POWEROFF: u8 = 0;
const CRASH: u8 = 3;

impl Ended<'_> {
    /// The first console line containing `needle`.
    pub fn line(&self, needle: &str) -> Result<&str, String> {
        self.console
            .iter()
            .find(|l| l.contains(needle))
            .map(String::as_str)
            .ok_or_else(|| format!("no console line contains {needle:?}"))
    }

    /// The word after `prefix` on the console, parsed.
    pub fn value<T: FromStr>(&self, prefix: &str) -> Result<T, String> {
        let line = self.line(prefix)?;
        let rest = line[line.find(prefix).unwrap() + prefix.len()..].trim();
        let word = rest.split_whitespace().next().unwrap_or("");
        word.parse().map_err(|_| format!("{prefix:?} is followed by {rest:?}, not a value"))
    }

    /// The status on rts-xen's final line `halvm: exit status N`.
    pub fn final_status(&self) -> Option<u8> {
        self.console.iter().rev().find_map(|l| l[l.find(EXIT_LINE_PREFIX)? + EXIT_LINE_PREFIX.len()..].trim().parse().ok())
    }

    /// The guest exited with `status`: its final console line says so, xl
    /// saw it shut down with reason poweroff for 0, crash otherwise, and,
    /// where dom0 read it (kept guests), the guest's XenStore key says so.
    pub fn exit(&self, status: u8) -> Result<(), String> {
        match self.final_status() {
            Some(s) if s == status => {}
            Some(s) => return Err(format!("expected exit status {status}, the console's final line says {s}")),
            None => return Err(format!("expected exit status {status}, but no console line says `{EXIT_LINE_PREFIX}N`")),
        }
        let (want, word) = if status == 0 { (POWEROFF, "poweroff") } else { (CRASH, "crash") };
        match self.reason {
            Some(r) if r == want => {}
            Some(r) => return Err(format!("xl reports reason code {r}, expected {want} ({word}) for exit status {status}")),
            None => return Err(format!("xl reports no reason code, expected {want} ({word}) for exit status {status}")),
        }
        match self.exit_status_key {
            None => Ok(()),
            Some(v) if v == status.to_string() => Ok(()),
            Some("none") => Err(format!("dom0 could not read the guest's XenStore key {STATUS_KEY} (xl's output says why)")),
            Some(v) => Err(format!("the guest's XenStore key {STATUS_KEY} holds {v:?}, expected {status}")),
        }
    }

    /// The guest's own lines: up to rts-xen's final status line.
    pub fn program_lines(&self) -> Vec<String> {
        self.console.iter().take_while(|l| !l.starts_with(EXIT_LINE_PREFIX)).cloned().collect()
    }
}

fn freestanding(dir: &Path, name: &str, image: &str, cmdline: &str, memory_mib: u64,
                check: fn(&Ended) -> Result<(), String>) -> Case {
    let guest =
        Guest { name: name.into(), image: dir.join(image), cmdline: cmdline.into(), memory_mib, timeout_s: 30, input: None,
                keep_after_shutdown: false, stall_store: false };
    Case { guest, check: Check::Assert(check) }
}

/// The case, with its guest kept after it shuts down so that dom0 reads
/// the exit status the guest recorded in XenStore.
fn kept(case: Case) -> Case {
    Case { guest: Guest { keep_after_shutdown: true, ..case.guest }, ..case }
}

/// The Haskell programs of tests/haskell, with the arguments and extra
/// console lines tests/ghc gives them.
pub const HASKELL: &[(&str, &[&str], &[&str])] = &[
    ("Hello", &[], &[]),
    ("ExitCode", &[], &[]),
    ("Uncaught", &[], &["halvm: Boom \"kaboom\""]),
    ("Args", &["one", "two words", "quote\"d", "it's", ""], &[]),
    ("Concurrency", &[], &[]),
    ("Delay", &[], &["sleeping 200 ms", "woke up"]),
    ("GcStress", &[], &[]),
    ("BigInteger", &[], &[]),
    ("Doubles", &[], &[]),
    ("Containers", &[], &[]),
    ("Clock", &[], &[]),
    ("HeapLimit", &["+RTS", "-M8m", "-RTS"], &["Heap exhausted"]),
    ("StackLimit", &["+RTS", "-K1m", "-RTS"], &["Stack space overflow"]),
    ("Signals", &[], &["signals: done"]),
];

/// Every case, in the order dom0 runs them: `freestanding` holds rts-xen's
/// test images (build/images/freestanding), `haskell` the Haskell images
/// and their Linux builds (build/images/haskell).
pub fn all(freestanding_dir: &Path, haskell: &Path) -> Vec<Case> {
    let f = freestanding_dir;
    let mut cases = vec![
        // Kept: the exit status recorded in XenStore is checked too (a
        // fault's through the path that exits from a fault handler).
        kept(freestanding(f, "basic-exit-0", "basic", "", 32, hello_and_exit_0)),
        kept(freestanding(f, "basic-exit-1", "basic", "1", 32, |out| out.exit(1))),
        kept(freestanding(f, "basic-args-exit-42", "basic", ARGS_CMDLINE, 32, argv_with_quotes_and_exit_42)),
        kept(freestanding(f, "basic-malformed-cmdline", "basic", "0 'unterminated", 32, malformed_cmdline)),
        freestanding(f, "basic-too-many-args", "basic", &"a ".repeat(300), 32, too_many_arguments),
        // Console input from dom0 wakes the guest blocked waiting for it.
        Case {
            guest: Guest {
                input: Some(Input { trigger: "echo: ready".into(), text: "typed line\r".into() }),
                ..freestanding(f, "echo-input", "echo", "", 32, console_input).guest
            },
            check: Check::Assert(console_input),
        },
        // The same, with xenstored stopped by dom0 while the guest exits:
        // recording the exit status gives up at its bound, and the guest
        // still ends, with its status.
        Case {
            guest: Guest {
                input: Some(Input { trigger: "echo: ready".into(), text: "typed line\r".into() }),
                stall_store: true,
                ..freestanding(f, "echo-store-stalled", "echo", "", 32, store_stalled).guest
            },
            check: Check::Assert(store_stalled),
        },
        // A guest that never ends (no input comes): destroyed at its
        // limit, and the run goes on.
        Case {
            guest: Guest { timeout_s: 8, ..freestanding(f, "echo-hangs", "echo", "", 32, |_| Ok(())).guest },
            check: Check::Hangs { ready: "echo: ready" },
        },
        freestanding(f, "memory-48", "memory", "", 48, |out| memory(out, 48)),
        freestanding(f, "memory-96", "memory", "", 96, |out| memory(out, 96)),
        freestanding(f, "time", "time", "", 32, time),
        freestanding(f, "tls", "tls", "", 32, |out| {
            out.line("tls: all checks passed")?;
            out.exit(0)
        }),
        freestanding(f, "entropy", "entropy", "", 32, entropy),
        kept(freestanding(f, "fault-null", "fault", "null", 32, |out| {
            fault(out, "vector 14 (#PF page fault), error code 0x0,")
        })),
        freestanding(f, "fault-stack", "fault", "stack", 32, |out| {
            fault(out, "vector 14 (#PF page fault), error code 0x2,")?;
            out.line("halvm: stack overflow: the fault hit the guard page below the").map(drop)
        }),
        freestanding(f, "fault-ud", "fault", "ud", 32, |out| fault(out, "vector 6 (#UD invalid opcode)")),
        freestanding(f, "libc_smoke", "libc_smoke", "", 32, libc_smoke),
    ];
    for (name, args, lines) in HASKELL {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        cases.push(Case {
            guest: Guest {
                name: (*name).into(),
                image: haskell.join(format!("{name}.xen")),
                cmdline: halvm_bootkit::quote_args(&args),
                memory_mib: 128,
                timeout_s: 60,
                input: None,
                keep_after_shutdown: false,
                stall_store: false,
            },
            check: Check::Haskell { linux: haskell.join("host").join(name).join("halvm"), args, lines },
        });
    }
    cases
}

fn hello_and_exit_0(out: &Ended) -> Result<(), String> {
    for line in ["hello from halvm", "platform: xen-domu", "argc: 1", "argv[0]: [halvm]"] {
        out.line(line)?;
    }
    out.exit(0)
}

/// The same command line as the xen lane's quoting check.
const ARGS_CMDLINE: &str = r#"42 'two words' "say \"hi\"" back\ slash a'b c'd """#;

fn argv_with_quotes_and_exit_42(out: &Ended) -> Result<(), String> {
    for line in ["argc: 7", "argv[1]: [42]", "argv[2]: [two words]", r#"argv[3]: [say "hi"]"#,
                 "argv[4]: [back slash]", "argv[5]: [ab cd]", "argv[6]: []"] {
        out.line(line)?;
    }
    out.exit(42)
}

/// The typed line comes back whole, after at least one halt (the guest
/// waited) and at most one per arriving chunk (it did not spin), as in the
/// xen lane.
fn console_input(out: &Ended) -> Result<(), String> {
    out.line("echo: [typed line] after ")?;
    let halts: u64 = out.value("] after ")?;
    if halts == 0 {
        return Err("the guest never halted waiting for input, so nothing was tested".into());
    }
    if halts > 12 {
        return Err(format!("{halts} halts for 11 typed bytes: block_until does not wait for input"));
    }
    out.exit(0)
}

/// The line came back, the guest said it could not record its status in
/// the stopped store, and exited all the same.
fn store_stalled(out: &Ended) -> Result<(), String> {
    out.line("echo: [typed line] after ")?;
    out.line(&format!("halvm: could not record the exit status in XenStore ({STATUS_KEY}): the store did not answer in time"))?;
    out.exit(0)
}

fn malformed_cmdline(out: &Ended) -> Result<(), String> {
    out.line("halvm: cannot split the command line into arguments: the single quote at byte 2 is never closed")?;
    if out.line("hello from halvm").is_ok() {
        return Err("main() ran despite the malformed command line".into());
    }
    out.exit(status::BAD_CMDLINE)
}

fn too_many_arguments(out: &Ended) -> Result<(), String> {
    out.line("more than 255 arguments")?;
    out.exit(status::BAD_CMDLINE)
}

/// The guest manages the memory its configuration gives it, less at most
/// 4 MiB (its image and Xen's pages for it; 1.7 MiB measured), and no
/// more; then the same allocator checks as on the other machines.
fn memory(out: &Ended, memory_mib: u64) -> Result<(), String> {
    let total_kib: u64 = out.value("memory: total ")?;
    let least = (memory_mib - 4) * 1024;
    if total_kib < least || total_kib > memory_mib * 1024 {
        return Err(format!("{total_kib} KiB managed with memory = {memory_mib}: expected {least} KiB to {memory_mib} MiB"));
    }
    out.line("memory: alignment, zeroing and free ok")?;
    out.line("halvm: out of memory: cannot allocate 1 megablocks (1024 KiB)")?;
    out.line("halvm: out of memory: cannot allocate 1 pages (4 KiB); 0 KiB of")?;
    out.line("exhaust: all memory freed and reusable")?;
    out.exit(0)
}

/// time.c's checks on the guest's own clock, with the xen lane's
/// tolerance for timers through Xen under TCG; the wall clock must fall
/// within the QEMU run.
fn time(out: &Ended) -> Result<(), String> {
    out.line("monotonic: never went back")?;
    let wall: u64 = out.value("wallclock-s: ")?;
    let (start, end) = out.host_window;
    if wall + 10 < start || wall > end + 10 {
        return Err(format!("guest wall clock {wall} is not within 10 s of the run ({start}..{end})"));
    }
    let elapsed_ns: u64 = out.value("sleep: end, elapsed-ns ")?;
    if !(200_000_000..350_000_000).contains(&elapsed_ns) {
        return Err(format!("a 200 ms sleep took {elapsed_ns} ns on the guest's clock (allowed 200..350 ms)"));
    }
    let ticks: u64 = out.value("ticks: ")?;
    if !(85..=110).contains(&ticks) {
        return Err(format!("{ticks} ticks at 100 Hz in one second (allowed 85..=110)"));
    }
    out.line("red zone: 0 of 16 slots damaged")?;
    out.line("time: all checks passed")?;
    out.exit(0)
}

fn yes_no(out: &Ended, prefix: &str) -> Result<bool, String> {
    match out.value::<String>(prefix)?.as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        other => Err(format!("{prefix:?} is followed by {other:?}, not yes or no")),
    }
}

/// The entropy image on Xen's `-cpu max`, which offers both RDRAND and
/// RDSEED, as the xen lane expects: two different reads, a 13-byte read
/// that leaves the bytes after it alone.
fn entropy(out: &Ended) -> Result<(), String> {
    let advertised = (yes_no(out, "entropy: cpuid rdrand: ")?, yes_no(out, "entropy: cpuid rdseed: ")?);
    if advertised != (true, true) {
        return Err(format!("the guest's CPU advertises (RDRAND, RDSEED) = {advertised:?}, not (true, true)"));
    }
    for line in ["entropy: 32-byte reads returned 0 0", "entropy: the two reads differ: yes",
                 "entropy: 13-byte read returned 0,", "entropy: empty read returned 0",
                 "the bytes after it untouched: yes"] {
        out.line(line)?;
    }
    out.exit(0)
}

fn fault(out: &Ended, vector: &str) -> Result<(), String> {
    let line = out.line("halvm: CPU fault: ")?;
    for part in [vector, "error code 0x", "RIP 0x", "RSP 0x", "CR2 0x"] {
        if !line.contains(part) {
            return Err(format!("the fault report lacks {part:?}"));
        }
    }
    if out.line("FAIL:").is_ok() {
        return Err("the program continued after the fault".into());
    }
    out.exit(status::CPU_FAULT)
}

/// minlibc's smoke test (the xen lane's lines), with a CPU that has a
/// random-number generator.
fn libc_smoke(out: &Ended) -> Result<(), String> {
    // The machine-independent lines, beside the program; then the entropy
    // lines of a CPU with a generator (the domU runs on -cpu max).
    let common = include_str!("../../../minlibc/tests-boot/libc_smoke.expected");
    for line in common.lines().chain([
        "libc: cpu generator: yes",
        "libc: getrandom: 32 bytes twice, different",
        "libc: getentropy: 0 (none)",
        "libc: /dev/urandom: a character device, read 32 (none)",
        "libc: fopen(/dev/urandom): fread 1 twice, different, fclose 0",
    ]) {
        out.line(line)?;
    }
    out.exit(3)
}

/// What the Linux build prints on a terminal and its exit status (as
/// tests/ghc runs it: under script(1), so stdout is line-buffered as on the
/// guest's console).
pub fn linux_run(linux: &Path, args: &[String]) -> Result<(Vec<String>, u8), String> {
    let words: Vec<String> = std::iter::once(linux.display().to_string()).chain(args.iter().cloned()).collect();
    let out = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &halvm_bootkit::quote_args(&words), "/dev/null"])
        .current_dir(linux.parent().unwrap_or(Path::new("/")))
        .output()
        .map_err(|e| format!("running {} under script(1): {e}", linux.display()))?;
    let status = out.status.code().ok_or_else(|| format!("{} was killed: {:?}", linux.display(), out.status))?;
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    Ok((text.lines().map(String::from).collect(), status as u8))
}

/// A Haskell guest against its Linux build.
pub fn compare_with_linux(out: &Ended, linux: &Path, args: &[String], lines: &[&str]) -> Result<(), String> {
    let (want, status) = linux_run(linux, args)?;
    let got = out.program_lines();
    if got != want {
        return Err(format!(
            "console output differs from the platform GHC's build on Linux\n---- expected:\n{}\n---- got:\n{}",
            want.join("\n"),
            got.join("\n")
        ));
    }
    for line in lines {
        out.line(line)?;
    }
    out.exit(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended(console: &[&str], reason: Option<u8>) -> (Vec<String>, Option<u8>) {
        (console.iter().map(|s| s.to_string()).collect(), reason)
    }

    fn check(console: &[&str], reason: Option<u8>, f: impl Fn(&Ended) -> Result<(), String>) -> Result<(), String> {
        let (console, reason) = ended(console, reason);
        f(&Ended { console: &console, reason, exit_status_key: None, host_window: (0, 0) })
    }

    #[test]
    fn an_exit_needs_the_final_line_and_the_matching_reason() {
        assert_eq!(check(&["x", "halvm: exit status 0"], Some(0), |o| o.exit(0)), Ok(()));
        assert_eq!(check(&["halvm: exit status 42"], Some(3), |o| o.exit(42)), Ok(()));
        let err = check(&["halvm: exit status 42"], Some(0), |o| o.exit(42)).unwrap_err();
        assert!(err.contains("reason code 0, expected 3 (crash)"), "{err}");
        let err = check(&["halvm: exit status 0"], Some(3), |o| o.exit(0)).unwrap_err();
        assert!(err.contains("expected 0 (poweroff)"), "{err}");
        let err = check(&["halvm: exit status 1"], Some(3), |o| o.exit(42)).unwrap_err();
        assert!(err.contains("final line says 1"), "{err}");
        let err = check(&["hello"], Some(0), |o| o.exit(0)).unwrap_err();
        assert!(err.contains("no console line says"), "{err}");
        assert!(check(&["halvm: exit status 0"], None, |o| o.exit(0)).unwrap_err().contains("no reason code"));
    }

    #[test]
    fn a_recorded_exit_status_must_match() {
        let console = vec!["halvm: exit status 42".to_string()];
        let out = |key| Ended { console: &console, reason: Some(3), exit_status_key: key, host_window: (0, 0) };
        assert_eq!(out(Some("42")).exit(42), Ok(()));
        let err = out(Some("0")).exit(42).unwrap_err();
        assert!(err.contains("holds \"0\", expected 42"), "{err}");
        let err = out(Some("none")).exit(42).unwrap_err();
        assert!(err.contains("could not read"), "{err}");
    }

    #[test]
    fn the_exit_status_cases_are_kept_for_their_key() {
        let cases = all(Path::new("/f"), Path::new("/h"));
        let kept: Vec<&str> =
            cases.iter().filter(|c| c.guest.keep_after_shutdown).map(|c| c.guest.name.as_str()).collect();
        for name in ["basic-exit-0", "basic-exit-1", "basic-args-exit-42"] {
            assert!(kept.contains(&name), "{name} is not kept: {kept:?}");
        }
    }

    #[test]
    fn program_lines_stop_at_the_exit_line() {
        let (console, reason) = ended(&["a", "b", "halvm: exit status 0", "late"], Some(0));
        let out = Ended { console: &console, reason, exit_status_key: None, host_window: (0, 0) };
        assert_eq!(out.program_lines(), ["a", "b"]);
    }

    #[test]
    fn memory_must_match_the_configuration() {
        let lines = |kib: u64| {
            vec![format!("memory: total {kib} KiB, free 1 KiB"), "memory: alignment, zeroing and free ok".into(),
                 "halvm: out of memory: cannot allocate 1 megablocks (1024 KiB)".into(),
                 "halvm: out of memory: cannot allocate 1 pages (4 KiB); 0 KiB of 1".into(),
                 "exhaust: all memory freed and reusable".into(), "halvm: exit status 0".into()]
        };
        let run = |kib: u64| {
            let console = lines(kib);
            memory(&Ended { console: &console, reason: Some(0), exit_status_key: None, host_window: (0, 0) }, 96)
        };
        assert_eq!(run(94 * 1024), Ok(()));
        assert!(run(91 * 1024).unwrap_err().contains("expected"), "too little");
        assert!(run(97 * 1024).unwrap_err().contains("expected"), "more than configured");
    }

    #[test]
    fn every_haskell_test_program_is_a_case() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/haskell");
        let mut programs: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "hs"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        programs.sort();
        let mut listed: Vec<String> = HASKELL.iter().map(|(n, _, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(listed, programs, "HASKELL must list every program of tests/haskell");
    }

    #[test]
    fn case_names_are_unique_domain_names() {
        let cases = all(Path::new("/f"), Path::new("/h"));
        let guests: Vec<Guest> = cases.into_iter().map(|c| c.guest).collect();
        super::super::plan::plan_text(&guests).unwrap();
    }

    #[test]
    fn a_haskell_guest_is_compared_with_its_linux_build() {
        // `echo` stands in for a Linux build: it prints its arguments.
        let echo = which::which("echo").unwrap();
        let args = vec!["two words".to_string()];
        let ok = check(&["two words", "halvm: exit status 0"], Some(0), |o| compare_with_linux(o, &echo, &args, &[]));
        assert_eq!(ok, Ok(()));
        let err = check(&["two  words", "halvm: exit status 0"], Some(0), |o| compare_with_linux(o, &echo, &args, &[]))
            .unwrap_err();
        assert!(err.contains("differs"), "{err}");
    }
}
