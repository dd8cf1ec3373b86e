//! Starting QEMU for one boot and watching it until it ends or times out.

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::console::ConsoleLog;
use crate::host;
use crate::outcome::{End, Outcome};
use crate::raw::{supervise, Ended};

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
    echo: Option<ConsoleEcho>,
    forward_stdin: bool,
    cpu_model: Option<String>,
    boot_modules: Vec<PathBuf>,
    forwards: Option<Vec<Forward>>,
}

/// A port forward of QEMU's user networking: host 127.0.0.1:`host_port`
/// reaches the guest's `guest_port` (see [`Boot::user_network`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forward {
    pub udp: bool,
    pub host_port: u16,
    pub guest_port: u16,
}

impl Forward {
    pub fn tcp(host_port: u16, guest_port: u16) -> Forward {
        Forward { udp: false, host_port, guest_port }
    }
    pub fn udp(host_port: u16, guest_port: u16) -> Forward {
        Forward { udp: true, host_port, guest_port }
    }
}

/// QEMU's arguments for a virtio-net device on user networking (slirp:
/// the guest is 10.0.2.15 by DHCP, the host's loopback is 10.0.2.2) with
/// `forwards`; legacy virtio only (`disable-modern=on`), the transport
/// rts-xen's driver speaks.
pub fn user_network_args(forwards: &[Forward]) -> Vec<String> {
    let mut netdev = "user,id=n0".to_string();
    for f in forwards {
        netdev += &format!(",hostfwd={}:127.0.0.1:{}-:{}", if f.udp { "udp" } else { "tcp" }, f.host_port, f.guest_port);
    }
    vec!["-netdev".into(), netdev, "-device".into(), "virtio-net-pci,netdev=n0,disable-modern=on".into()]
}

/// Where the console's bytes are copied as they arrive (see
/// [`Boot::echo_console`]); shared so that a `Boot` stays `Clone`.
#[derive(Clone)]
struct ConsoleEcho(Arc<Mutex<dyn Write + Send>>);

impl std::fmt::Debug for ConsoleEcho {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("ConsoleEcho")
    }
}

impl ConsoleEcho {
    /// Copies `bytes` and flushes, so that they show at once; a sink that
    /// fails (a closed pipe) must not stop the boot.
    fn write(&self, bytes: &[u8]) {
        let mut sink = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = sink.write_all(bytes).and_then(|_| sink.flush());
    }
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
            echo: None,
            forward_stdin: false,
            cpu_model: None,
            boot_modules: Vec::new(),
            forwards: None,
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
        self.forward_stdin = false;
        self
    }

    /// Also copies the console's raw bytes (the guest's output, and the
    /// firmware's before it) to `sink` as they arrive, flushing after each
    /// piece, so a user watches the guest live; the captured log in the
    /// outcome is unchanged.
    pub fn echo_console(mut self, sink: impl Write + Send + 'static) -> Boot {
        self.echo = Some(ConsoleEcho(Arc::new(Mutex::new(sink))));
        self
    }

    /// Forwards this process's standard input to the guest's console as it
    /// arrives (QEMU's stdin is a pipe, so the user's terminal stays in its
    /// normal mode). Replaces [`Boot::input_after`]; the last call wins.
    /// The thread that reads standard input may still wait on it after the
    /// boot ended, and would take the next input: forward it in one boot
    /// per process (a user tool's single boot), not in a series.
    pub fn forward_stdin(mut self) -> Boot {
        self.forward_stdin = true;
        self.input = None;
        self
    }

    /// QEMU's CPU model (`-cpu`, e.g. "max" or "qemu64,+rdseed") for a
    /// direct QEMU boot, instead of QEMU's default (qemu64). Xen-in-QEMU
    /// always runs on "max", which Xen needs: `run` refuses a model there.
    pub fn cpu_model(mut self, model: impl Into<String>) -> Boot {
        self.cpu_model = Some(model.into());
        self
    }

    /// Passes `file` to the guest as a boot module (a file archive, see
    /// rts-xen/include/halvm/files.h): QEMU's `-initrd` for a direct boot
    /// (one module at most), the multiboot module after the image under
    /// Xen, which hands it to the initial domain as its module 0.
    pub fn boot_module(mut self, file: impl Into<PathBuf>) -> Boot {
        self.boot_modules.push(file.into());
        self
    }

    /// Gives a direct QEMU boot a network card on QEMU's user networking
    /// with these port forwards (see [`user_network_args`]); `run` refuses
    /// it for Xen-in-QEMU, which has no network for its guest.
    pub fn user_network(mut self, forwards: &[Forward]) -> Boot {
        self.forwards = Some(forwards.to_vec());
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
                if let Some(model) = &self.cpu_model {
                    a.extend(["-cpu".into(), model.clone()]);
                }
                a.extend(["-kernel".into(), image, "-append".into(), self.args.clone()]);
                if let Some(module) = self.boot_modules.first() {
                    a.extend(["-initrd".into(), module.display().to_string()]);
                }
                if let Some(forwards) = &self.forwards {
                    a.extend(user_network_args(forwards));
                }
            }
            Machine::XenInQemu { hypervisor } => {
                // Xen itself needs a couple of hundred MiB besides dom0.
                let total = (self.memory_mib + 256).max(512);
                a.extend(["-accel".into(), "tcg".into(), "-cpu".into(), "max".into(), "-m".into(), total.to_string()]);
                // The multiboot module's string is "IMAGE ARGS"; Xen drops
                // the first word and hands the rest to dom0 as its command
                // line. QEMU separates modules with commas (",," escapes one).
                let mut module = format!("{image} {}", self.args).replace(',', ",,");
                for extra in &self.boot_modules {
                    module.push(',');
                    module.push_str(&extra.display().to_string().replace(',', ",,"));
                }
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
        if let (Some(_), Machine::XenInQemu { .. }) = (&self.forwards, &self.machine) {
            return Err("user networking asked for a Xen-in-QEMU boot; only direct QEMU boots have a network card".into());
        }
        check_image(&self.image)?;
        if matches!(self.machine, Machine::Qemu(_)) && self.boot_modules.len() > 1 {
            return Err(format!("{} boot modules asked for a direct QEMU boot, whose -initrd passes one",
                               self.boot_modules.len()));
        }
        for m in &self.boot_modules {
            if !m.is_file() {
                return Err(format!("the boot module {} is not a file", m.display()));
            }
        }
        if let (Some(model), Machine::XenInQemu { .. }) = (&self.cpu_model, &self.machine) {
            return Err(format!("CPU model {model:?} asked for a Xen-in-QEMU boot, which must run on \"max\" \
                                (Xen needs SVM with nested paging); choose a CPU model for direct QEMU boots only"));
        }
        let qemu = host::qemu_binary()?;
        let args = self.qemu_args();
        let command = format!("{} {}", qemu.display(), args.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" "));
        let start = Instant::now();
        let mut child = Command::new(&qemu)
            .args(&args)
            .stdin(if self.input.is_some() || self.forward_stdin { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", qemu.display()))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        if self.forward_stdin {
            let to_guest = child.stdin.take().expect("stdin is piped");
            // Never joined: it may wait on the terminal after QEMU ended.
            thread::spawn(move || forward_input(std::io::stdin(), to_guest));
        }
        let input = self.input.clone().zip(child.stdin.take());
        let echo = self.echo.clone();
        let reader = thread::spawn(move || read_console(stdout, start, input, echo));
        let kvm_failed = Arc::new(AtomicBool::new(false));
        let err_reader = {
            let kvm_failed = kvm_failed.clone();
            thread::spawn(move || read_stderr(stderr, &kvm_failed))
        };
        // QEMU pauses the guest on a KVM internal error instead of
        // exiting; waiting for the timeout would only waste time.
        let kvm_stopped = || {
            let failed = kvm_failed.load(Ordering::Relaxed);
            if failed {
                thread::sleep(Duration::from_millis(100)); // let the register dump arrive
            }
            failed
        };
        let end = match supervise(&mut child, start + self.timeout, Duration::from_millis(5), kvm_stopped)? {
            Ended::Exited(status) => End::from_exit_status(status),
            Ended::GaveUp => End::KvmInternalError,
            Ended::Deadline => End::TimedOut(self.timeout),
        };
        let elapsed = start.elapsed();
        let console = reader.join().unwrap_or_default();
        let stderr = err_reader.join().unwrap_or_default();
        Ok(Outcome { machine: self.machine.name(), command, console, stderr, end, elapsed })
    }
}

/// Reads QEMU's stdout (the guest's serial console) until EOF, typing the
/// input (into QEMU's stdin) once its trigger line has appeared.
fn read_console(
    mut out: impl Read,
    start: Instant,
    mut input: Option<((String, Vec<u8>), ChildStdin)>,
    echo: Option<ConsoleEcho>,
) -> ConsoleLog {
    let mut log = ConsoleLog::default();
    let mut partial = Vec::new();
    let mut buf = [0u8; 4096];
    // Kept open until the end: QEMU need not see end-of-file on its stdin.
    let mut _typed = None;
    loop {
        match out.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if let Some(echo) = &echo {
                    echo.write(&buf[..n]);
                }
                log.push_bytes(&mut partial, &buf[..n], start.elapsed())
            }
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

/// Copies `from` to the guest's console input until either side ends.
fn forward_input(mut from: impl Read, mut to: impl Write) {
    let mut buf = [0u8; 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).and_then(|_| to.flush()).is_err() {
                    break;
                }
            }
        }
    }
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

/// Quotes an argument for a POSIX shell, so that a printed command can be
/// pasted to reproduce a boot. rts-xen splits the kernel command line with
/// the same rules (single quotes, backslash outside quotes, adjacent parts
/// join), so this also quotes a guest's arguments: see [`quote_args`].
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_=.,/:+@".contains(&b)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Arguments joined into one command line, each quoted with
/// [`shell_quote`]: for a shell, and for a guest's kernel command line.
pub fn quote_args<S: AsRef<str>>(args: &[S]) -> String {
    args.iter().map(|a| shell_quote(a.as_ref())).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn user_networking_is_a_legacy_virtio_card_with_the_forwards() {
        let b = Boot::new("/img", Machine::Qemu(Accel::Tcg))
            .user_network(&[Forward::tcp(8080, 80), Forward::udp(5353, 53)]);
        let a = b.qemu_args().join(" ");
        assert!(a.contains("-netdev user,id=n0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:127.0.0.1:5353-:53 \
                            -device virtio-net-pci,netdev=n0,disable-modern=on"), "{a}");
        assert!(!Boot::new("/img", Machine::Qemu(Accel::Tcg)).qemu_args().join(" ").contains("netdev"));
        let xen = Boot::new("/img", Machine::XenInQemu { hypervisor: "/xen".into() }).user_network(&[]);
        assert!(xen.run().unwrap_err().contains("user networking"));
    }

    #[test]
    fn plain_arguments_stay_bare_others_are_quoted() {
        assert_eq!(quote_args(&["42", "+RTS", "-M8m", "-RTS"]), "42 +RTS -M8m -RTS");
        assert_eq!(quote_args(&["two words", "", "it's", "a\"b"]), r#"'two words' '' 'it'\''s' 'a"b'"#);
    }

    /// A reader that hands out its pieces one by one, each only when the
    /// test sends it: what arrives before the next piece is sent cannot
    /// have been buffered until the end.
    struct Pieces(mpsc::Receiver<&'static [u8]>);

    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let piece = self.0.recv().unwrap_or(b"");
            buf[..piece.len()].copy_from_slice(piece);
            Ok(piece.len())
        }
    }

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn wait_for(sink: &Shared, want: &[u8]) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while sink.0.lock().unwrap().as_slice() != want {
            assert!(Instant::now() < deadline, "echoed {:?}, want {want:?}", String::from_utf8_lossy(&sink.0.lock().unwrap()));
            thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn the_console_is_echoed_as_it_arrives_and_still_captured() {
        let (send, receive) = mpsc::channel();
        let sink = Shared::default();
        let echo = ConsoleEcho(Arc::new(Mutex::new(sink.clone())));
        let reader = thread::spawn(move || read_console(Pieces(receive), Instant::now(), None, Some(echo)));
        send.send(b"\x1bcfirst line\npart").unwrap();
        wait_for(&sink, b"\x1bcfirst line\npart");
        send.send(b"ial\n").unwrap();
        wait_for(&sink, b"\x1bcfirst line\npartial\n");
        drop(send);
        let log = reader.join().unwrap();
        let lines: Vec<&str> = log.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(lines, ["first line", "partial"]);
    }

    #[test]
    fn input_is_forwarded_as_it_arrives() {
        let (send, receive) = mpsc::channel();
        let sink = Shared::default();
        let to_guest = sink.clone();
        let forwarder = thread::spawn(move || forward_input(Pieces(receive), to_guest));
        send.send(b"one\n").unwrap();
        wait_for(&sink, b"one\n");
        send.send(b"two\n").unwrap();
        wait_for(&sink, b"one\ntwo\n");
        drop(send);
        forwarder.join().unwrap();
    }

    #[test]
    fn forwarding_stdin_and_typed_input_replace_each_other() {
        let boot = Boot::new("image", Machine::Qemu(Accel::Tcg)).input_after("ready", "x").forward_stdin();
        assert!(boot.forward_stdin && boot.input.is_none());
        let boot = boot.input_after("ready", "x");
        assert!(!boot.forward_stdin && boot.input.is_some());
    }

    #[test]
    fn boot_modules_are_the_initrd_or_the_module_after_the_image() {
        let direct = Boot::new("/i/img", Machine::Qemu(Accel::Tcg)).boot_module("/f/files.tar").qemu_args();
        let at = direct.iter().position(|a| a == "-initrd").expect("an -initrd");
        assert_eq!(direct[at + 1], "/f/files.tar");
        let xen = Boot::new("/i/img", Machine::XenInQemu { hypervisor: "/x/xen".into() })
            .args("a,b")
            .boot_module("/f/my,files.tar")
            .qemu_args();
        let at = xen.iter().position(|a| a == "-initrd").expect("an -initrd");
        assert_eq!(xen[at + 1], "/i/img a,,b,/f/my,,files.tar");
        let none = Boot::new("/i/img", Machine::Qemu(Accel::Tcg)).qemu_args();
        assert!(!none.iter().any(|a| a == "-initrd"));
    }

    #[test]
    fn a_cpu_model_reaches_qemu_only_for_direct_boots() {
        let args = |b: &Boot| b.qemu_args().windows(2).filter(|w| w[0] == "-cpu").map(|w| w[1].clone()).collect::<Vec<_>>();
        let direct = Boot::new("image", Machine::Qemu(Accel::Tcg));
        assert_eq!(args(&direct), Vec::<String>::new(), "QEMU's default model unless asked");
        assert_eq!(args(&direct.cpu_model("qemu64,+rdseed")), ["qemu64,+rdseed"]);
        let image = std::env::current_exe().unwrap(); // any existing file
        let xen = Boot::new(&image, Machine::XenInQemu { hypervisor: "xen".into() }).cpu_model("qemu64");
        let err = xen.run().err().expect("a CPU model for Xen-in-QEMU must be refused");
        assert!(err.contains("\"qemu64\"") && err.contains("max"), "{err}");
    }
}
