//! Starting QEMU for one boot and watching it until it ends or times out.

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::console::ConsoleLog;
use crate::host;
use crate::outcome::{End, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accel {
    Tcg,
    Kvm,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Machine {
    /// QEMU's own PVH loader starts the image (`-kernel`).
    Qemu(Accel),
    /// The Xen hypervisor (a decompressed binary, see `xen::hypervisor`)
    /// runs under QEMU TCG and starts the image as its PVH initial domain.
    /// TCG with `-cpu max` because Xen needs SVM with nested paging for a
    /// PVH dom0 and KVM here cannot run Xen.
    XenInQemu { hypervisor: PathBuf },
}

impl Machine {
    pub fn name(&self) -> &'static str {
        match self {
            Machine::Qemu(Accel::Tcg) => "qemu-tcg",
            Machine::Qemu(Accel::Kvm) => "qemu-kvm",
            Machine::XenInQemu { .. } => "xen-in-qemu",
        }
    }
}

/// One boot of an image, configured builder-style, then `run()`.
#[derive(Debug, Clone)]
pub struct Boot {
    image: PathBuf,
    machine: Machine,
    args: String,
    memory_mib: u32,
    timeout: Duration,
    input: Option<(String, Vec<u8>)>,
}

impl Boot {
    /// Defaults: no arguments, 64 MiB for the guest, a 60 s timeout.
    pub fn new(image: impl Into<PathBuf>, machine: Machine) -> Boot {
        Boot {
            image: image.into(),
            machine,
            args: String::new(),
            memory_mib: 64,
            timeout: Duration::from_secs(60),
            input: None,
        }
    }

    /// The guest's command line, exactly as the guest will see it.
    pub fn args(mut self, args: impl Into<String>) -> Boot {
        self.args = args.into();
        self
    }

    /// Guest memory (under Xen: the initial domain's memory, dom0_mem).
    pub fn memory_mib(mut self, mib: u32) -> Boot {
        self.memory_mib = mib;
        self
    }

    /// Hard limit on the boot's wall-clock time; QEMU is killed after it.
    pub fn timeout(mut self, timeout: Duration) -> Boot {
        self.timeout = timeout;
        self
    }

    /// Types `input` on the console 200 ms after a console line containing
    /// `trigger` has appeared: by then a guest that printed the trigger and
    /// went on to wait for input is surely waiting.
    pub fn input_after(mut self, trigger: impl Into<String>, input: impl Into<Vec<u8>>) -> Boot {
        self.input = Some((trigger.into(), input.into()));
        self
    }

    /// QEMU's arguments for this boot.
    pub fn qemu_args(&self) -> Vec<String> {
        let mut a: Vec<String> = [
            "-nodefaults", "-no-reboot", "-nographic", "-display", "none", "-monitor", "none",
            "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let image = self.image.display().to_string();
        match &self.machine {
            Machine::Qemu(accel) => {
                let accel = if *accel == Accel::Kvm { "kvm" } else { "tcg" };
                a.extend(["-accel".into(), accel.into(), "-m".into(), self.memory_mib.to_string()]);
                a.extend(["-kernel".into(), image, "-append".into(), self.args.clone()]);
            }
            Machine::XenInQemu { hypervisor } => {
                // Xen itself needs a couple of hundred MiB besides dom0.
                let total = (self.memory_mib + 256).max(512);
                a.extend(["-accel".into(), "tcg".into(), "-cpu".into(), "max".into(), "-m".into(), total.to_string()]);
                // The multiboot module's string is "IMAGE ARGS"; Xen drops
                // the first word and hands the rest to dom0 as its command
                // line. QEMU separates modules with commas (",," escapes one).
                let module = format!("{image} {}", self.args).replace(',', ",,");
                let xen_cmdline = format!(
                    "dom0=pvh dom0-iommu=none dom0_mem={}M console=com1 loglvl=all guest_loglvl=all noreboot",
                    self.memory_mib
                );
                a.extend(["-kernel".into(), hypervisor.display().to_string(), "-initrd".into(), module]);
                a.extend(["-append".into(), xen_cmdline]);
            }
        }
        a
    }

    /// Boots and waits for the guest to end or the timeout to pass.
    pub fn run(&self) -> Result<Outcome, String> {
        check_image(&self.image)?;
        let qemu = host::qemu_binary()?;
        let args = self.qemu_args();
        let command = format!("{} {}", qemu.display(), args.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" "));
        let start = Instant::now();
        let mut child = Command::new(&qemu)
            .args(&args)
            .stdin(if self.input.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", qemu.display()))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let input = self.input.clone().zip(child.stdin.take());
        let reader = thread::spawn(move || read_console(stdout, start, input));
        let kvm_failed = Arc::new(AtomicBool::new(false));
        let err_reader = {
            let kvm_failed = kvm_failed.clone();
            thread::spawn(move || read_stderr(stderr, &kvm_failed))
        };
        let deadline = start + self.timeout;
        let end = loop {
            match child.try_wait() {
                Ok(Some(status)) => break End::from_exit_status(status),
                // QEMU pauses the guest on a KVM internal error instead of
                // exiting; waiting for the timeout would only waste time.
                Ok(None) if kvm_failed.load(Ordering::Relaxed) => {
                    thread::sleep(Duration::from_millis(100)); // let the register dump arrive
                    let _ = child.kill();
                    let _ = child.wait();
                    break End::KvmInternalError;
                }
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break End::TimedOut(self.timeout);
                }
                Ok(None) => thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(format!("waiting for QEMU failed: {e}")),
            }
        };
        let elapsed = start.elapsed();
        let console = reader.join().unwrap_or_default();
        let stderr = err_reader.join().unwrap_or_default();
        Ok(Outcome { machine: self.machine.name(), command, console, stderr, end, elapsed })
    }
}

/// Reads QEMU's stdout (the guest's serial console) until EOF, typing the
/// input (into QEMU's stdin) once its trigger line has appeared.
fn read_console(mut out: impl Read, start: Instant, mut input: Option<((String, Vec<u8>), ChildStdin)>) -> ConsoleLog {
    let mut log = ConsoleLog::default();
    let mut partial = Vec::new();
    let mut buf = [0u8; 4096];
    // Kept open until the end: QEMU need not see end-of-file on its stdin.
    let mut _typed = None;
    loop {
        match out.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => log.push_bytes(&mut partial, &buf[..n], start.elapsed()),
        }
        if input.as_ref().is_some_and(|((trigger, _), _)| log.contains(trigger)) {
            let ((_, bytes), mut stdin) = input.take().expect("checked above");
            thread::sleep(Duration::from_millis(200));
            let _ = stdin.write_all(&bytes).and_then(|_| stdin.flush());
            _typed = Some(stdin);
        }
    }
    if !partial.is_empty() {
        log.finish_line(&mut partial, start.elapsed());
    }
    log
}

/// Collects QEMU's stderr, flagging a KVM internal error as it appears.
fn read_stderr(err: impl Read, kvm_failed: &AtomicBool) -> String {
    let mut all = String::new();
    for line in BufReader::new(err).lines() {
        let Ok(line) = line else { break };
        if line.contains("KVM internal error") {
            kvm_failed.store(true, Ordering::Relaxed);
        }
        all.push_str(&line);
        all.push('\n');
    }
    all
}

fn check_image(image: &Path) -> Result<(), String> {
    if image.is_file() {
        Ok(())
    } else {
        Err(format!("image {} does not exist; build it first (cargo xtask build)", image.display()))
    }
}

/// Quotes an argument for a POSIX shell, so that the printed command can
/// be pasted to reproduce a boot.
fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_=.,/:+@".contains(&b)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
