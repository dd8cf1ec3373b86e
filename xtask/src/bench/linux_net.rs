//! The HTTP benchmark's Linux guest: the Linux side's kernel and busybox
//! (linux_guest.rs) with a network card, serving network-demo's native
//! build, which is dynamically linked. Its initramfs holds:
//!
//! - the program, the host's dynamic loader and the closure of its DT_NEEDED
//!   libraries, taken from the host (the program was linked against them);
//! - the virtio-net driver: Debian's kernel builds virtio_pci, virtio_net
//!   and what they need (virtio, virtio_ring, net_failover, ...) as
//!   modules, so they are taken from the pinned kernel package with their
//!   dependencies (each module's `.modinfo` `depends=`) and loaded in order;
//! - an /init that loads them, sets up the network as QEMU's user
//!   networking expects (10.0.2.15/24, gateway 10.0.2.2, the address the
//!   port forwards reach) and runs the server until it quits.
//!
//! ```text
//! build/bench/linux-net/
//!   modules/           the kernel modules, <name>.ko, and `order` (load order)
//! build/bench/http/
//!   linux-initramfs.cpio.gz
//! ```

use std::path::Path;

use anyhow::{Context, Result};
use xshell::Shell;

use crate::dom0::{self, Node, Tree};
use crate::kernel_package::{self, Module};
use crate::layout::Layout;
use crate::manifest::Manifest;

/// The drivers of QEMU's virtio-net-pci card (legacy virtio, as bootkit
/// gives it; Debian's kernel has CONFIG_VIRTIO_PCI_LEGACY=y); the modules
/// they depend on are found in their `.modinfo`.
const WANTED_MODULES: &[&str] = &["virtio_pci", "virtio_net"];

/// Where the program goes in the initramfs.
const PROGRAM_DIR: &str = "bench";

/// The network as QEMU's user networking (slirp) has it: its DHCP server
/// would give the guest this address, and its port forwards reach it.
const NETWORK_SETUP: &[&str] = &[
    "ip link set lo up",
    "ip addr add 10.0.2.15/24 dev eth0",
    "ip link set eth0 up",
    "ip route add default via 10.0.2.2",
];

/// The kernel modules in loading order, taken from the pinned kernel
/// package once (kept in build/bench/linux-net/modules, keyed by the
/// package's hash).
pub fn kernel_modules(sh: &Shell, layout: &Layout) -> Result<Vec<Module>> {
    let manifest = Manifest::load(&layout.manifest())?;
    let package = crate::fetch::input(sh, layout, &manifest, dom0::KERNEL_INPUT)?;
    let dir = layout.build.join("bench/linux-net/modules");
    let order = dir.join("order");
    let key = format!("{} {}", manifest.input(dom0::KERNEL_INPUT)?.sha256, WANTED_MODULES.join(","));
    crate::input_key::rebuild_unless_current(&order, &key, || {
        let step = crate::progress::Step::start("taking the virtio-net driver's modules out of the kernel package");
        extract_modules(&package, &dir)?;
        step.done();
        Ok(())
    })?;
    let names = std::fs::read_to_string(&order).with_context(|| format!("reading {}", order.display()))?;
    names
        .lines()
        .map(|name| {
            let file = dir.join(format!("{name}.ko"));
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            Ok(Module { name: name.to_string(), bytes })
        })
        .collect()
}

/// Writes the wanted modules and their dependencies into `dir` as
/// `<name>.ko`, and their load order as `order`.
fn extract_modules(package: &Path, dir: &Path) -> Result<()> {
    crate::fsutil::remove_if_exists(dir)?;
    std::fs::create_dir_all(dir)?;
    let kernel = kernel_package::read(package, WANTED_MODULES, "the HTTP benchmark's Linux guest")?;
    let mut order = String::new();
    for module in &kernel.modules {
        std::fs::write(dir.join(format!("{}.ko", module.name)), &module.bytes)?;
        order.push_str(&module.name);
        order.push('\n');
    }
    std::fs::write(dir.join("order"), order)?;
    Ok(())
}

/// /init: busybox's applets, the modules in order, the network, then the
/// server (`program args`) until it ends; any step that fails says so and
/// powers off, so the host stops waiting.
pub fn init_script(program: &str, args: &[&str]) -> String {
    let mut s = String::from(
        "#!/bin/busybox sh\n\
         # Written by xtask/src/bench/linux_net.rs: the HTTP benchmark's server.\n\
         /bin/busybox --install -s /bin\n\
         export PATH=/bin\n\
         mount -t proc proc /proc\n\
         fail() { echo \"bench-guest-failed: $*\"; poweroff -f; exit 1; }\n",
    );
    s.push_str(dom0::LOAD_MODULES_SH);
    for step in NETWORK_SETUP {
        s.push_str(&format!("{step} || fail \"{step}\"\n"));
    }
    s.push_str(&format!(
        "echo bench-net-up\n/{PROGRAM_DIR}/{program} {}\necho \"bench-server-exit: $?\"\necho bench-guest-done\npoweroff -f\n",
        halvm_bootkit::quote_args(args)
    ));
    s
}

/// The initramfs tree: /init, busybox, the program with its loader and
/// libraries (from the host), the modules (in load order).
pub fn initramfs(busybox: &Path, program: &Path, args: &[&str], modules: &[Module]) -> Result<Tree> {
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    let exe = |data| Node::File { mode: 0o755, data };
    let name = program.file_name().context("the server program has no file name")?.to_string_lossy().into_owned();
    let mut tree = Tree::new();
    for dir in ["proc", "tmp"] {
        dom0::add(&mut tree, dir, Node::Dir);
    }
    // The kernel opens /dev/console for /init before anything is mounted.
    dom0::add(&mut tree, "dev/console", Node::CharDevice { major: 5, minor: 1 });
    dom0::add(&mut tree, "init", exe(init_script(&name, args).into_bytes()));
    dom0::add(&mut tree, "bin/busybox", exe(read(busybox)?));
    dom0::add(&mut tree, &format!("{PROGRAM_DIR}/{name}"), exe(read(program)?));

    // the host's: the program was linked against them
    dom0::add_loader_and_libraries(&mut tree, &[program.to_path_buf()], crate::elf_symbols::find_system_library)?;
    dom0::add_modules(&mut tree, modules);
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn init_loads_the_modules_sets_up_the_network_then_serves() {
        let script = init_script("network-demo", &["serve", "7", "80"]);
        let lines: Vec<&str> = script.lines().collect();
        let at = |needle: &str| lines.iter().position(|l| l.starts_with(needle)).unwrap_or_else(|| panic!("{needle}: {script}"));
        assert!(at(". /lib/modules/load") < at("ip link set lo up"));
        assert!(at("ip addr add 10.0.2.15/24 dev eth0") < at("ip link set eth0 up"));
        assert!(at("ip link set eth0 up") < at("ip route add default via 10.0.2.2"));
        assert!(at("ip route add default via 10.0.2.2") < at("/bench/network-demo serve 7 80"));
        assert!(script.ends_with("echo bench-guest-done\npoweroff -f\n"), "{script}");
        let status = Command::new("sh").arg("-n").arg("-c").arg(&script).status().unwrap();
        assert!(status.success(), "sh -n rejects the script:\n{script}");
    }

    /// The script under a POSIX shell with busybox's steps, insmod, ip and
    /// the server replaced by commands that log their arguments; `ip`
    /// fails for `fail_on` when given.
    fn run_init(fail_on: Option<&str>) -> (String, String) {
        let tmp = tempfile::tempdir().unwrap();
        let log = tmp.path().join("log");
        let shim = |name: &str, body: &str| {
            let path = tmp.path().join(name);
            halvm_bootkit::write_executable(&path, format!("#!/bin/sh\necho \"{name} $*\" >> {}\n{body}\n", log.display())).unwrap();
        };
        shim("insmod", "");
        shim("ip", &match fail_on {
            Some(words) => format!("[ \"$*\" = \"{words}\" ] && exit 1; exit 0"),
            None => "exit 0".into(),
        });
        shim("server", "exit 3");
        shim("poweroff", "");
        let dir = tmp.path().display().to_string();
        let modules = ["virtio", "virtio_net"].map(|n| Module { name: n.into(), bytes: vec![] });
        std::fs::write(tmp.path().join("load"), dom0::load_script(&modules)).unwrap();
        let script = init_script("server", &["serve", "7", "80"])
            .replace(". /lib/modules/load", &format!(". {dir}/load"))
            .replace("/bin/busybox --install -s /bin", "true")
            .replace("export PATH=/bin", &format!("export PATH={dir}:$PATH"))
            .replace("mount -t proc proc /proc", "true")
            .replace("/bench/server", &format!("{dir}/server"));
        let path = tmp.path().join("init");
        std::fs::write(&path, script).unwrap();
        let out = Command::new("sh").arg(&path).output().unwrap();
        (String::from_utf8(out.stdout).unwrap(), std::fs::read_to_string(&log).unwrap())
    }

    #[test]
    fn init_runs_each_step_in_order_and_reports_the_servers_status() {
        let (console, log) = run_init(None);
        assert_eq!(log.lines().collect::<Vec<_>>(), [
            "insmod /lib/modules/virtio.ko", "insmod /lib/modules/virtio_net.ko", "ip link set lo up",
            "ip addr add 10.0.2.15/24 dev eth0", "ip link set eth0 up", "ip route add default via 10.0.2.2",
            "server serve 7 80", "poweroff -f",
        ]);
        assert_eq!(console, "bench-net-up\nbench-server-exit: 3\nbench-guest-done\n");
    }

    #[test]
    fn a_failed_network_step_is_reported_and_the_server_never_starts() {
        let (console, log) = run_init(Some("link set eth0 up"));
        assert_eq!(console, "bench-guest-failed: ip link set eth0 up\n");
        assert!(!log.contains("server"), "{log}");
        assert!(log.ends_with("poweroff -f\n"), "{log}");
    }

    #[test]
    fn the_initramfs_holds_the_program_its_libraries_the_modules_and_init() {
        let module = Module { name: "virtio".into(), bytes: b"module".to_vec() };
        let busybox = which::which("true").unwrap();
        // Any dynamic program of the host stands in for the server.
        let program = which::which("sh").unwrap();
        let tree = initramfs(&busybox, &program, &["-c", "true"], &[module]).unwrap();
        for path in ["init", "bin/busybox", "bench/sh", "lib64/ld-linux-x86-64.so.2", "lib/x86_64-linux-gnu/libc.so.6",
                     "lib/x86_64-linux-gnu/libgcc_s.so.1", "lib/modules/virtio.ko", "lib/modules/load", "dev/console",
                     "proc"] {
            assert!(tree.contains_key(path), "{path} is missing from {:?}", tree.keys().collect::<Vec<_>>());
        }
        let Node::File { data, .. } = &tree["init"] else { panic!("init is not a file") };
        let init = String::from_utf8_lossy(data);
        assert!(init.contains(dom0::LOAD_MODULES_SH) && init.contains("/bench/sh -c true"), "{init}");
    }
}
