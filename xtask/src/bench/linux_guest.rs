//! The Linux side: one QEMU boots Debian 12's kernel (the pinned
//! `dom0-kernel`, as the domU lane's dom0 uses it) with an initramfs that
//! holds busybox-static (the pinned `dom0-busybox-static`), the static
//! benchmark programs and an /init that runs the boot-clock program once,
//! first, then each benchmark the asked number of times with its argument, frames each run (see frames.rs), and powers
//! the machine off. The console is captured with arrival times, so the
//! first `bench-start:` line also gives the boot time.
//!
//! ```text
//! build/bench/linux-guest/
//!   initramfs.cpio      this run's initramfs (uncompressed newc)
//!   console.log         the guest's whole console
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use xshell::Shell;

use crate::cpio::CpioWriter;
use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::{fetch, fsutil, unpack};

use super::frames;

const BUSYBOX_INPUT: &str = "dom0-busybox-static";

/// One program the guest runs.
pub struct GuestProgram<'a> {
    pub name: &'a str,
    pub binary: &'a Path,
    pub arg: String,
    /// How many times, one after the other.
    pub runs: usize,
}

/// The kernel and busybox the guest is made of.
pub struct GuestParts {
    pub kernel: PathBuf,
    pub busybox: PathBuf,
}

/// Fetches (or finds, cached) the pinned kernel and busybox.
pub fn parts(sh: &Shell, layout: &Layout) -> Result<GuestParts> {
    // dom0's build is cached and keyed; it takes the kernel out of the
    // pinned package once for both users.
    let dom0 = crate::dom0::ensure(sh, layout)?;
    let manifest = Manifest::load(&layout.manifest())?;
    let package = fetch::input(sh, layout, &manifest, BUSYBOX_INPUT)?;
    let dir = layout.build.join("bench/busybox");
    let busybox = dir.join("bin/busybox");
    crate::input_key::rebuild_unless_current(&busybox, &manifest.input(BUSYBOX_INPUT)?.sha256.to_string(), || {
        fsutil::remove_if_exists(&dir.join("usr"))?;
        unpack::deb(sh, &package, &dir)
    })?;
    Ok(GuestParts { kernel: dom0.kernel, busybox })
}

/// /init: busybox's applets, then each program in order its number of
/// times, framed.
pub fn init_script(programs: &[GuestProgram]) -> String {
    let mut s = String::from(
        "#!/bin/busybox sh\n\
         # Written by xtask/src/bench/linux_guest.rs for one benchmark run.\n\
         /bin/busybox --install -s /bin\n\
         export PATH=/bin\n\
         mount -t proc proc /proc\n\
         run() {\n\
         \x20 name=$1; count=$2; shift 2; i=1\n\
         \x20 while [ $i -le $count ]; do\n\
         \x20   echo \"bench-run-begin: $name $i\"\n\
         \x20   /bench/$name \"$@\"\n\
         \x20   echo \"bench-run-end: $name $i $?\"\n\
         \x20   i=$((i + 1))\n\
         \x20 done\n\
         }\n",
    );
    for p in programs {
        s.push_str(&format!("run {} {} {}\n", p.name, p.runs, p.arg));
    }
    s.push_str("echo bench-guest-done\npoweroff -f\n");
    s
}

/// Writes the initramfs: /init, busybox and the programs.
pub fn write_initramfs(out: &Path, busybox: &Path, programs: &[GuestProgram]) -> Result<()> {
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut w = CpioWriter::new(std::io::BufWriter::new(file));
    for dir in ["bin", "dev", "proc", "bench"] {
        w.dir(dir, 0o755)?;
    }
    // The kernel opens /dev/console for /init before anything is mounted.
    w.char_device("dev/console", 0o600, 5, 1)?;
    w.file("bin/busybox", 0o755, &read(busybox)?)?;
    w.file("init", 0o755, init_script(programs).as_bytes())?;
    for p in programs {
        w.file(&format!("bench/{}", p.name), 0o755, &read(p.binary)?)?;
    }
    w.finish()?.flush()?;
    Ok(())
}

/// A console line and when it arrived, from QEMU's start.
pub type TimedLine = (Duration, String);

/// The QEMU command line of the guest.
pub fn qemu_args(accel: &str, memory_mib: u32, kernel: &Path, initramfs: &Path) -> Vec<String> {
    let fixed = ["-nodefaults", "-no-reboot", "-nographic", "-display", "none", "-monitor", "none", "-serial", "stdio"];
    let mut a: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
    a.extend(["-accel", accel, "-cpu", "max", "-m"].iter().map(|s| s.to_string()));
    a.push(memory_mib.to_string());
    a.extend(["-kernel".into(), kernel.display().to_string(), "-initrd".into(), initramfs.display().to_string()]);
    // panic=-1 with -no-reboot: a kernel panic ends QEMU instead of hanging.
    a.extend(["-append".into(), "console=ttyS0 quiet loglevel=3 rdinit=/init panic=-1".into()]);
    a
}

/// Boots the guest and returns its console; `progress` sees each line as
/// it arrives. QEMU is killed after `timeout`, which is an error.
pub fn boot(args: &[String], timeout: Duration, log: &Path, progress: impl Fn(&str) + Send + 'static) -> Result<Vec<TimedLine>> {
    let command = format!("qemu-system-x86_64 {}", halvm_bootkit::quote_args(args));
    let run = halvm_bootkit::run_qemu(args, timeout, move |_, line| progress(line)).map_err(anyhow::Error::msg)?;
    let mut text = String::new();
    for (at, line) in &run.lines {
        text.push_str(&format!("[{:9.3}s] {line}\n", at.as_secs_f64()));
    }
    std::fs::write(log, &text).with_context(|| format!("writing {}", log.display()))?;
    let finished = run.lines.iter().any(|(_, l)| l.contains("bench-guest-done"));
    match run.status {
        None => bail!("the Linux guest did not finish within {} s (console: {})\ncommand: {command}",
                      timeout.as_secs(), log.display()),
        Some(_) if !finished => bail!(
            "the Linux guest stopped before running every benchmark (console: {}); QEMU said: {}\ncommand: {command}",
            log.display(), run.stderr.trim()),
        Some(_) => Ok(run.lines),
    }
}

/// When the first program's first line appeared: the guest's boot time.
pub fn first_start(lines: &[TimedLine]) -> Option<Duration> {
    lines.iter().find(|(_, l)| l.contains(frames::START)).map(|(at, _)| *at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn init_runs_every_program_its_times_then_powers_off() {
        let b = Path::new("/x");
        let programs = [GuestProgram { name: "First", binary: b, arg: String::new(), runs: 1 },
                        GuestProgram { name: "A", binary: b, arg: "10".into(), runs: 3 },
                        GuestProgram { name: "B", binary: b, arg: "7".into(), runs: 3 }];
        let script = init_script(&programs);
        let tail: Vec<&str> = script.lines().rev().take(5).map(str::trim_end).collect();
        assert_eq!(tail, ["poweroff -f", "echo bench-guest-done", "run B 3 7", "run A 3 10", "run First 1"]);
        let status = Command::new("sh").arg("-n").arg("-c").arg(&script).status().unwrap();
        assert!(status.success(), "sh -n rejects the script:\n{script}");
    }

    /// The script really runs under a POSIX shell: busybox's steps are
    /// replaced by no-ops, the programs by `echo`.
    #[test]
    fn init_frames_each_run_with_its_status() {
        let tmp = tempfile::tempdir().unwrap();
        let b = Path::new("/x");
        let script = init_script(&[GuestProgram { name: "Once", binary: b, arg: String::new(), runs: 1 },
                                   GuestProgram { name: "A", binary: b, arg: "10".into(), runs: 2 }])
            .replace("/bin/busybox --install -s /bin", "true")
            .replace("mount -t proc proc /proc", "true")
            .replace("export PATH=/bin", "")
            .replace("/bench/$name", "echo bench-result:")
            .replace("poweroff -f", "true");
        let path = tmp.path().join("init");
        std::fs::write(&path, script).unwrap();
        let out = Command::new("sh").arg(&path).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let runs = frames::split_guest_runs(&lines).unwrap();
        assert_eq!(runs["A"], vec![(0, vec!["bench-result: 10".to_string()]), (0, vec!["bench-result: 10".to_string()])]);
        assert_eq!(runs["Once"], vec![(0, vec!["bench-result:".to_string()])]);
    }
}
