//! halvm-run: boots a halvm image and exits with the guest's status.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use halvm_bootkit::{self as bootkit, Accel, Boot, End, Machine, Outcome};
use halvm_tools::image;
use halvm_tools::run::{user_cache, xl_config_with_files, HideFirmware, KvmMemory, COULD_NOT_BOOT, TIMED_OUT};

#[derive(Parser)]
#[command(
    name = "halvm-run",
    version = halvm_tools::HALVM_VERSION,
    about = "Boots a halvm image under QEMU (or Xen inside QEMU) and exits with the guest's exit status.",
    after_help = AFTER_HELP,
)]
struct Cli {
    /// Boot the image as the PVH initial domain of Xen 4.17 running inside QEMU (TCG),
    /// instead of directly under QEMU
    #[arg(long)]
    xen: bool,
    /// The QEMU accelerator for direct boots [default: kvm when it can run images here, else tcg]
    #[arg(long, value_enum)]
    accel: Option<AccelArg>,
    /// Guest memory in MiB (with --xen: the initial domain's; the machine gets 256 MiB more, at least 512, for Xen)
    #[arg(long, value_name = "MIB", default_value_t = 128, value_parser = clap::value_parser!(u32).range(2..))]
    mem: u32,
    /// Stop QEMU after SECS seconds of wall-clock time [default: no limit]
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    timeout: Option<u64>,
    /// Print an xl configuration for booting the image on a real Xen host, instead of booting it
    #[arg(long)]
    xl_config: bool,
    /// Give the guest a file tree: the directory DIR packed into a tar archive (or the
    /// archive TAR, checked), passed as a boot module (QEMU -initrd; under --xen the
    /// module after the image; with --xl-config a ramdisk= line)
    #[arg(long, value_name = "DIR|TAR")]
    files: Option<PathBuf>,
    /// Give the guest a network card (virtio-net on QEMU's user networking: the guest
    /// gets 10.0.2.15 by DHCP, the host is 10.0.2.2); implied by --forward
    #[arg(long)]
    net: bool,
    /// Forward a port of the host (127.0.0.1) to the guest: [tcp:|udp:]HOSTPORT:GUESTPORT,
    /// e.g. 8080:80; repeatable
    #[arg(long, value_name = "[udp:]HOST:GUEST", value_parser = halvm_tools::run::parse_forward)]
    forward: Vec<bootkit::Forward>,
    /// The image (what halvm-ghc -o wrote)
    image: PathBuf,
    /// The guest's arguments, its argv[1..] (`+RTS ... -RTS` works); everything after IMAGE is
    /// passed on, options included
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "ARGS")]
    args: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AccelArg {
    Kvm,
    Tcg,
}

const AFTER_HELP: &str = "\
The guest's console (QEMU's serial port; under Xen, Xen's console with its own log
lines) streams to standard output as it arrives, without the firmware's messages;
standard input goes to the guest's console input. The last line is rts-xen's
\"halvm: exit status N\". Options go before IMAGE: every word after it is the guest's.

Without --accel, a direct boot uses KVM if /dev/kvm opens and a probe boot of the
image that ends before its main() (an unterminated quote on its command line) runs
under KVM; otherwise TCG. The probe's verdict is remembered for this QEMU, kernel
and CPU in ${XDG_CACHE_HOME:-~/.cache}/halvm/kvm-probe (delete it to probe again).
Xen in QEMU always runs under TCG with -cpu max.

--net gives the guest a virtio-net card on QEMU's user networking (slirp): DHCP
gives it 10.0.2.15/24, gateway and host 10.0.2.2, DNS 10.0.2.3; the guest can open
connections out through the host. --forward 8080:80 (repeatable; udp:5353:53 for
UDP) makes 127.0.0.1:8080 on the host reach the guest's port 80. Direct QEMU
boots only.

--xl-config prints a configuration for `xl create` (type \"pvh\", kernel, memory from
--mem, cmdline from ARGS, on_poweroff/on_reboot/on_crash \"destroy\") and boots nothing.

--files DIR packs DIR into a tar archive (kept in ${XDG_CACHE_HOME:-~/.cache}/halvm/files,
named by content) and gives it to the guest as its file tree, laid over any tree the
image embeds (halvm-ghc --files); --files TAR checks and passes a finished archive.
An archive the guest refuses ends it before main with status 120.

Needs qemu-system-x86_64 (apt-get install -t bookworm-backports qemu-system-x86) and,
for --xen, /boot/xen-4.17-amd64.gz (apt-get install xen-hypervisor-4.17-amd64), which
is decompressed into ${XDG_CACHE_HOME:-~/.cache}/halvm/xen once.

Exit status:
  N    the guest's exit status (QEMU keeps 7 bits of it; the full value comes from the
       guest's last console line)
  125  the image could not be booted: wrong usage, no such image, not a PVH image,
       QEMU or Xen missing, QEMU failed, or the machine stopped without the guest
       reporting a status (a triple fault); a message on standard error says which
  126  the boot ran past --timeout and QEMU was stopped
A guest may itself exit with 125 or 126; the message on standard error tells them apart.";

/// Long enough to mean "no limit" (the boot kit always has a deadline).
const NO_LIMIT: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(COULD_NOT_BOOT as u8);
        }
        Err(e) => {
            let _ = e.print(); // --help, --version
            return ExitCode::SUCCESS;
        }
    };
    let status = match run(&cli) {
        Ok(status) => status,
        Err(Failure { status, message }) => {
            eprintln!("halvm-run: {message}");
            status
        }
    };
    ExitCode::from(status as u8)
}

/// The boot module for --files: a directory packed (or an archive
/// checked) into halvm's cache, named by content, so it stays valid for an
/// xl configuration and repeated runs share one file.
fn files_module(source: &Path) -> Result<PathBuf, Failure> {
    let bytes = halvm_tools::files::archive_of(source).map_err(|e| could_not_boot(format!("--files {e}")))?;
    let cache = user_cache().join("files");
    let path = halvm_tools::files::store_by_content(&cache, "files", "tar", &bytes)
        .map_err(|e| could_not_boot(format!("writing the file archive into {}: {e}", cache.display())))?;
    std::fs::canonicalize(&path).map_err(|e| could_not_boot(format!("{}: {e}", path.display())))
}

struct Failure {
    status: i32,
    message: String,
}

fn could_not_boot(message: impl Into<String>) -> Failure {
    Failure { status: COULD_NOT_BOOT, message: message.into() }
}

fn run(cli: &Cli) -> Result<i32, Failure> {
    if cli.xen && cli.accel == Some(AccelArg::Kvm) {
        return Err(could_not_boot("--xen runs under TCG only (KVM here cannot run Xen); leave out --accel kvm"));
    }
    if cli.xl_config && (cli.xen || cli.accel.is_some() || cli.timeout.is_some()) {
        return Err(could_not_boot("--xl-config boots nothing: --xen, --accel and --timeout do not apply to it"));
    }
    let net = cli.net || !cli.forward.is_empty();
    if net && (cli.xen || cli.xl_config) {
        return Err(could_not_boot("--net and --forward work for direct QEMU boots only \
                                   (halvm has no Xen network driver yet)"));
    }
    let report = image::inspect_file(&cli.image)
        .map_err(|e| could_not_boot(format!("{}: {}", cli.image.display(), e.message)))?;
    let least = report.least_memory_mib();
    if u64::from(cli.mem) < least {
        eprintln!("halvm-run: warning: --mem {} is below the {least} MiB this image needs at least \
                   (halvm-inspect explains the estimate)", cli.mem);
    }
    // rts-xen splits its command line like a shell: quote each argument.
    let cmdline = halvm_bootkit::quote_args(&cli.args);
    let files = cli.files.as_deref().map(files_module).transpose()?;
    if cli.xl_config {
        let kernel = std::fs::canonicalize(&cli.image)
            .map_err(|e| could_not_boot(format!("{}: {e}", cli.image.display())))?;
        print!("{}", xl_config_with_files(&kernel, u64::from(cli.mem), &cmdline, files.as_deref()));
        return Ok(0);
    }
    let qemu = bootkit::qemu_binary().map_err(|_| could_not_boot(format!(
        "QEMU is missing: {} is not on PATH. Install it with: \
         apt-get install -t bookworm-backports qemu-system-x86", "qemu-system-x86_64")))?;
    let machine = if cli.xen {
        xen_machine()?
    } else {
        Machine::Qemu(choose_accel(cli.accel, &cli.image, &qemu)?)
    };
    let timeout = cli.timeout.map_or(NO_LIMIT, Duration::from_secs);
    let boot = Boot::new(&cli.image, machine)
        .args(cmdline)
        .memory_mib(cli.mem)
        .timeout(timeout)
        .echo_console(HideFirmware::new(std::io::stdout()))
        .forward_stdin();
    let boot = match &files {
        Some(tar) => boot.boot_module(tar),
        None => boot,
    };
    let boot = if net { boot.user_network(&cli.forward) } else { boot };
    let outcome = boot.run().map_err(|e| could_not_boot(format!("QEMU could not be started: {e}")))?;
    status_of(&outcome, cli.timeout)
}

/// Xen-in-QEMU, with the hypervisor decompressed once into the user's
/// cache (again when the package is newer than the copy).
fn xen_machine() -> Result<Machine, Failure> {
    bootkit::xen::installed().map_err(|_| could_not_boot(format!(
        "Xen is missing: {} is not installed. Install it with: apt-get install xen-hypervisor-4.17-amd64",
        bootkit::xen::PACKAGED)))?;
    let hypervisor = bootkit::xen::hypervisor(&user_cache().join("xen"))
        .map_err(|e| could_not_boot(format!("decompressing {}: {e}", bootkit::xen::PACKAGED)))?;
    Ok(Machine::XenInQemu { hypervisor })
}

/// The accelerator: as forced, or KVM when it runs images here. Whether
/// it does is found by a probe boot of the image with an unterminated
/// quote on its command line, which rts-xen rejects (status 122) after
/// bringing the machine up in long mode with SSE, before any of the
/// program's own code runs (some machines' KVM opens but fails on SSE
/// instructions); the verdict is remembered (see `KvmMemory`).
fn choose_accel(forced: Option<AccelArg>, image: &Path, qemu: &Path) -> Result<Accel, Failure> {
    match forced {
        Some(AccelArg::Tcg) => return Ok(Accel::Tcg),
        Some(AccelArg::Kvm) => {
            return match bootkit::kvm_usable() {
                Ok(()) => Ok(Accel::Kvm),
                Err(e) => Err(could_not_boot(format!("--accel kvm: {e}"))),
            }
        }
        None => {}
    }
    if bootkit::kvm_usable().is_err() {
        return Ok(Accel::Tcg);
    }
    let memory = KvmMemory::for_qemu(qemu);
    let works = memory.recall().unwrap_or_else(|| {
        let probe = Boot::new(image, Machine::Qemu(Accel::Kvm))
            .args("'")
            .memory_mib(64)
            .timeout(Duration::from_secs(30))
            .run();
        let works = probe.is_ok_and(|out| out.end == End::DebugExit(bootkit::status::BAD_CMDLINE));
        memory.remember(works);
        works
    });
    Ok(if works { Accel::Kvm } else { Accel::Tcg })
}

/// The guest's exit status, or halvm-run's own status for a boot that did
/// not end with one.
fn status_of(out: &Outcome, timeout: Option<u64>) -> Result<i32, Failure> {
    let qemu_said = || {
        let text = out.stderr.trim();
        if text.is_empty() { String::new() } else { format!("\nQEMU said:\n{text}") }
    };
    match out.end {
        // The console line has all 8 bits; QEMU's status only the low 7.
        End::DebugExit(low) => match out.final_line_status() {
            Some(full) if full & 0x7f == low => Ok(i32::from(full)),
            _ => {
                eprintln!("halvm-run: warning: the guest exited with status {low} (from QEMU's isa-debug-exit) \
                           without rts-xen's \"halvm: exit status\" line to confirm it");
                Ok(i32::from(low))
            }
        },
        End::TimedOut(_) => Err(Failure {
            status: TIMED_OUT,
            message: format!("the guest ran past the --timeout of {} s; QEMU was stopped", timeout.unwrap_or(0)),
        }),
        End::KvmInternalError => Err(could_not_boot(format!(
            "KVM could not run the image (an emulation failure, common under nested virtualisation); \
             use --accel tcg{}", qemu_said()))),
        End::QemuExited(code) => Err(could_not_boot(format!(
            "QEMU ended with status {code} without the guest's exit status (a triple fault or reset, \
             or QEMU refused its options){}\nQEMU command: {}", qemu_said(), out.command))),
        End::Signalled(signal) => Err(could_not_boot(format!("QEMU was killed by signal {signal}{}", qemu_said()))),
    }
}
