//! The parts of halvm-run that are not the boot itself: the guest's
//! command line, the `xl` configuration for a real Xen host, hiding the
//! firmware's output, and halvm-run's own exit statuses.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// halvm-run's status when the image could not be booted, or the machine
/// stopped without the guest reporting a status (bad usage, no such
/// image, not a PVH image, QEMU or Xen missing, QEMU refusing its options,
/// a triple fault). rts-xen's own failure statuses are 121..=124, so this
/// one is not theirs.
pub const COULD_NOT_BOOT: i32 = 125;
/// halvm-run's status when the boot ran past `--timeout`.
pub const TIMED_OUT: i32 = 126;

/// A configuration for `xl create` on a Xen host: the image as a PVH
/// guest with `memory_mib` of RAM and `cmdline` as its command line,
/// destroyed when it powers off, reboots or crashes (rts-xen shuts down
/// with reason poweroff for exit status 0 and crash for any other). A
/// `ramdisk` is the guest's file archive (its boot module 0).
pub fn xl_config_with_files(image: &Path, memory_mib: u64, cmdline: &str, ramdisk: Option<&Path>) -> String {
    let name = domain_name(image);
    let kernel = image.display().to_string();
    let mut c = String::new();
    c.push_str(&format!("# xl configuration for the halvm image {kernel}\n"));
    c.push_str("# (written by halvm-run --xl-config; on a Xen host: xl create -c THIS-FILE).\n");
    c.push_str("# The guest's console is its PV console: `xl console` or xl create -c shows it;\n");
    c.push_str("# it ends with \"halvm: exit status N\" and shuts down with reason poweroff\n");
    c.push_str("# for status 0, crash for any other. Adjust kernel= if the image moves.\n");
    c.push_str(&format!("name = {}\n", xl_string(&name)));
    c.push_str("type = \"pvh\"\n");
    c.push_str(&format!("kernel = {}\n", xl_string(&kernel)));
    c.push_str(&format!("memory = {memory_mib}\n"));
    c.push_str("vcpus = 1\n");
    c.push_str(&format!("cmdline = {}\n", xl_string(cmdline)));
    if let Some(ramdisk) = ramdisk {
        c.push_str(&format!("ramdisk = {}\n", xl_string(&ramdisk.display().to_string())));
    }
    c.push_str("on_poweroff = \"destroy\"\n");
    c.push_str("on_reboot = \"destroy\"\n");
    c.push_str("on_crash = \"destroy\"\n");
    c
}

/// [`xl_config_with_files`] without a file archive.
pub fn xl_config(image: &Path, memory_mib: u64, cmdline: &str) -> String {
    xl_config_with_files(image, memory_mib, cmdline, None)
}

/// The domain's name: the image's file name without extension, with
/// characters other than letters, digits, `-`, `_` and `.` replaced by
/// `-` (xl shows the name in lists and log file names).
fn domain_name(image: &Path) -> String {
    let stem = image.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let name: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '-' })
        .collect();
    // xl takes an all-digit name for a domain id.
    if name.is_empty() || name.bytes().all(|b| b.is_ascii_digit()) { format!("halvm-{name}") } else { name }
}

/// A double-quoted string in xl's configuration syntax (libxlu's
/// dequoting: `\\`, `\"`, `\n`, `\t`, `\r` and `\xHH`).
fn xl_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One `--forward` of halvm-run: `[tcp:|udp:]HOSTPORT:GUESTPORT`, host
/// port on 127.0.0.1 to the guest's port (TCP unless `udp:`).
pub fn parse_forward(text: &str) -> Result<halvm_bootkit::Forward, String> {
    let (udp, ports) = match text.split_once(':') {
        Some(("udp", rest)) => (true, rest),
        Some(("tcp", rest)) => (false, rest),
        _ => (false, text),
    };
    let port = |p: &str| p.parse::<u16>().ok().filter(|&p| p != 0);
    match ports.split_once(':').map(|(h, g)| (port(h), port(g))) {
        Some((Some(host_port), Some(guest_port))) => Ok(halvm_bootkit::Forward { udp, host_port, guest_port }),
        _ => Err(format!("--forward {text}: expected [tcp:|udp:]HOSTPORT:GUESTPORT with ports 1-65535, e.g. 8080:80")),
    }
}

/// halvm-run's cache directory: `${XDG_CACHE_HOME:-~/.cache}/halvm`.
pub fn user_cache() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("halvm")
}

/// What halvm-run remembers about KVM on this machine: whether a probe
/// boot ran under it, for a key naming the QEMU binary, the kernel and
/// the CPU (a change to any of them probes again). On some machines a
/// failing KVM probe takes seconds, so it is not repeated on every run.
pub struct KvmMemory {
    pub file: PathBuf,
    pub key: String,
}

impl KvmMemory {
    /// The memory for `qemu` in the user's cache directory.
    pub fn for_qemu(qemu: &Path) -> KvmMemory {
        let qemu_id = std::fs::metadata(qemu)
            .map(|m| {
                let mtime = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                format!("{} {} {}", qemu.display(), m.len(), mtime.map_or(0, |d| d.as_secs()))
            })
            .unwrap_or_else(|_| qemu.display().to_string());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo.lines().find(|l| l.starts_with("model name")).unwrap_or("");
        KvmMemory {
            file: user_cache().join("kvm-probe"),
            key: format!("{qemu_id} | {} | {}", kernel.trim(), cpu.trim()),
        }
    }

    /// The remembered verdict (true: KVM runs images), if it is for this key.
    pub fn recall(&self) -> Option<bool> {
        let text = std::fs::read_to_string(&self.file).ok()?;
        let (key, verdict) = text.trim_end().rsplit_once('\n')?;
        if key != self.key {
            return None;
        }
        match verdict {
            "kvm works" => Some(true),
            "kvm fails" => Some(false),
            _ => None,
        }
    }

    /// Remembers a verdict; a cache that cannot be written only costs a
    /// probe next time.
    pub fn remember(&self, kvm_works: bool) {
        let verdict = if kvm_works { "kvm works" } else { "kvm fails" };
        let Some(dir) = self.file.parent() else { return };
        let tmp = self.file.with_extension(format!("partial.{}", std::process::id()));
        let written = std::fs::create_dir_all(dir)
            .and_then(|_| std::fs::write(&tmp, format!("{}\n{verdict}\n", self.key)))
            .and_then(|_| std::fs::rename(&tmp, &self.file));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// What QEMU's firmware (SeaBIOS) prints last before it starts the image:
/// the guest's first byte follows directly.
pub const FIRMWARE_DONE: &[u8] = b"Booting from ROM..";
/// How much console output may pass without [`FIRMWARE_DONE`] before the
/// filter gives up hiding it (SeaBIOS prints a few hundred bytes).
const FIRMWARE_LIMIT: usize = 16 * 1024;

/// Passes the console through to `out`, minus the firmware's output before
/// the guest starts: SeaBIOS resets and clears the terminal and turns off
/// line wrapping, which a user's terminal should not suffer. Should the
/// marker never come, everything held back is passed on once it exceeds
/// a limit, so no output is lost.
pub struct HideFirmware<W: Write> {
    out: W,
    held: Option<Vec<u8>>,
}

impl<W: Write> HideFirmware<W> {
    pub fn new(out: W) -> Self {
        HideFirmware { out, held: Some(Vec::new()) }
    }
}

impl<W: Write> Write for HideFirmware<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let Some(held) = &mut self.held else {
            return self.out.write(bytes);
        };
        held.extend_from_slice(bytes);
        if let Some(at) = held.windows(FIRMWARE_DONE.len()).position(|w| w == FIRMWARE_DONE) {
            let guest = held.split_off(at + FIRMWARE_DONE.len());
            self.held = None;
            self.out.write_all(&guest)?;
        } else if held.len() > FIRMWARE_LIMIT {
            let all = std::mem::take(held);
            self.held = None;
            self.out.write_all(&all)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn forwards_parse_with_an_optional_protocol() {
        use halvm_bootkit::Forward;
        assert_eq!(super::parse_forward("8080:80"), Ok(Forward::tcp(8080, 80)));
        assert_eq!(super::parse_forward("tcp:8080:80"), Ok(Forward::tcp(8080, 80)));
        assert_eq!(super::parse_forward("udp:5353:53"), Ok(Forward::udp(5353, 53)));
        for bad in ["80", "0:80", "80:0", "x:80", "sctp:1:2", "65536:80", "1:2:3", ""] {
            assert!(super::parse_forward(bad).is_err(), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn xl_strings_escape_what_libxlu_dequotes() {
        assert_eq!(xl_string(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(xl_string("x\ny\u{1}"), r#""x\ny\x01""#);
    }

    #[test]
    fn xl_configuration_names_a_pvh_guest() {
        let c = xl_config(Path::new("/srv/images/my app.xen"), 96, "'two words' x");
        assert!(!c.contains("ramdisk"));
        let with_files = xl_config_with_files(Path::new("/i/a.xen"), 96, "", Some(Path::new("/c/files.tar")));
        assert!(with_files.lines().any(|l| l == "ramdisk = \"/c/files.tar\""), "{with_files}");
        for line in [
            "name = \"my-app\"",
            "type = \"pvh\"",
            "kernel = \"/srv/images/my app.xen\"",
            "memory = 96",
            "cmdline = \"'two words' x\"",
            "on_poweroff = \"destroy\"",
            "on_crash = \"destroy\"",
        ] {
            assert!(c.lines().any(|l| l == line), "no line {line:?} in:\n{c}");
        }
    }

    #[test]
    fn all_digit_names_are_prefixed() {
        assert_eq!(domain_name(Path::new("/x/123.xen")), "halvm-123");
        assert_eq!(domain_name(Path::new("/x/main.xen")), "main");
    }

    #[test]
    fn kvm_verdicts_are_recalled_only_for_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let memory = KvmMemory { file: dir.path().join("halvm/kvm-probe"), key: "qemu 1 | 6.1 | cpu".into() };
        assert_eq!(memory.recall(), None);
        memory.remember(false);
        assert_eq!(memory.recall(), Some(false));
        memory.remember(true);
        assert_eq!(memory.recall(), Some(true));
        let other = KvmMemory { file: memory.file.clone(), key: "qemu 2 | 6.1 | cpu".into() };
        assert_eq!(other.recall(), None);
    }

    fn filtered(pieces: &[&[u8]]) -> Vec<u8> {
        let mut f = HideFirmware::new(Vec::new());
        for p in pieces {
            f.write_all(p).unwrap();
        }
        f.out
    }

    #[test]
    fn firmware_output_is_hidden_even_when_the_marker_is_split() {
        let out = filtered(&[b"\x1bc\x1b[?7lSeaBIOS\r\nBooting from R", b"OM..hello\n", b"bye\n"]);
        assert_eq!(out, b"hello\nbye\n");
    }

    #[test]
    fn without_the_marker_output_is_held_then_passed_on() {
        let big = vec![b'x'; FIRMWARE_LIMIT + 1];
        assert_eq!(filtered(&[b"no firmware here\n"]), b"");
        let out = filtered(&[b"start ", &big, b" end"]);
        assert!(out.starts_with(b"start xx") && out.ends_with(b"x end"));
        assert_eq!(out.len(), 6 + big.len() + 4);
    }
}
