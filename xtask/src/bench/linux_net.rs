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

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use object::{Object, ObjectSection};
use xshell::Shell;

use crate::dom0::{self, Node, Tree};
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

/// The kernel modules in loading order, each `(name, file)`, taken from
/// the pinned kernel package once (keyed by its hash).
pub fn kernel_modules(sh: &Shell, layout: &Layout) -> Result<Vec<(String, PathBuf)>> {
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
    Ok(names.lines().map(|n| (n.to_string(), dir.join(format!("{n}.ko")))).collect())
}

/// Writes the wanted modules and their dependencies into `dir` as
/// `<name>.ko`, and their load order as `order`.
pub(super) fn extract_modules(package: &Path, dir: &Path) -> Result<()> {
    crate::fsutil::remove_if_exists(dir)?;
    std::fs::create_dir_all(dir)?;
    // Two passes over the package: every module's dependencies, then the
    // bytes of the ones needed.
    let mut depends = BTreeMap::new();
    for_each_module(package, |name, bytes| {
        depends.insert(name.to_string(), modinfo_depends(bytes).with_context(|| format!("the module {name}"))?);
        Ok(())
    })?;
    let names = load_order(&depends, WANTED_MODULES)?;
    for_each_module(package, |name, bytes| {
        if names.iter().any(|n| n == name) {
            std::fs::write(dir.join(format!("{name}.ko")), bytes)?;
        }
        Ok(())
    })?;
    std::fs::write(dir.join("order"), names.join("\n") + "\n")?;
    Ok(())
}

/// Calls `f` with the name and bytes of every kernel module (`*.ko` under
/// `lib/modules/*/kernel/`) in the Debian package, streamed out of
/// `dpkg-deb --fsys-tarfile` (the package is never unpacked whole).
fn for_each_module(package: &Path, mut f: impl FnMut(&str, &[u8]) -> Result<()>) -> Result<()> {
    let mut child = Command::new("dpkg-deb")
        .arg("--fsys-tarfile")
        .arg(package)
        .stdout(Stdio::piped())
        .spawn()
        .context("starting dpkg-deb")?;
    let mut archive = tar::Archive::new(child.stdout.take().expect("piped"));
    let mut seen = 0;
    let read = (|| -> Result<()> {
        for entry in archive.entries()? {
            let mut entry = entry?;
            let path = entry.path()?.to_string_lossy().into_owned();
            let Some(name) = module_name(&path) else { continue };
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes)?;
            f(&name, &bytes)?;
            seen += 1;
        }
        Ok(())
    })();
    let status = child.wait()?;
    read.with_context(|| format!("reading the modules of {}", package.display()))?;
    if !status.success() {
        bail!("dpkg-deb --fsys-tarfile {} failed: {status}", package.display());
    }
    if seen == 0 {
        bail!("{} holds no kernel modules (lib/modules/*/kernel/**/*.ko; compressed modules are not supported)",
              package.display());
    }
    Ok(())
}

/// A module's name from its path in the package, as the kernel names it
/// (`-` becomes `_`); `None` for anything that is not a module.
fn module_name(path: &str) -> Option<String> {
    let rest = path.trim_start_matches("./").strip_prefix("lib/modules/")?;
    let (_version, rest) = rest.split_once('/')?;
    let file = rest.strip_prefix("kernel/")?.rsplit('/').next()?;
    Some(file.strip_suffix(".ko")?.replace('-', "_"))
}

/// The `depends=` of a module (an ELF relocatable object).
fn modinfo_depends(module: &[u8]) -> Result<Vec<String>> {
    let file = object::File::parse(module)?;
    let section = file.section_by_name(".modinfo").context("no .modinfo section")?;
    Ok(depends_in_modinfo(section.data()?))
}

/// `.modinfo` is NUL-separated `key=value` strings; `depends` lists the
/// modules this one needs, comma-separated (empty for none).
fn depends_in_modinfo(section: &[u8]) -> Vec<String> {
    section
        .split(|b| *b == 0)
        .filter_map(|s| s.strip_prefix(b"depends="))
        .flat_map(|d| String::from_utf8_lossy(d).split(',').filter(|n| !n.is_empty()).map(String::from).collect::<Vec<_>>())
        .collect()
}

/// `wanted` and everything they depend on, each after its dependencies
/// (the order insmod needs).
fn load_order(depends: &BTreeMap<String, Vec<String>>, wanted: &[&str]) -> Result<Vec<String>> {
    fn visit(name: &str, by: &str, depends: &BTreeMap<String, Vec<String>>, path: &mut Vec<String>,
             done: &mut BTreeSet<String>, order: &mut Vec<String>) -> Result<()> {
        if done.contains(name) {
            return Ok(());
        }
        if path.iter().any(|p| p == name) {
            bail!("the kernel modules depend on each other in a circle: {} -> {name}", path.join(" -> "));
        }
        let deps = depends.get(name).with_context(|| format!("the kernel package has no module {name} (wanted by {by})"))?;
        path.push(name.to_string());
        for dep in deps {
            visit(dep, name, depends, path, done, order)?;
        }
        path.pop();
        done.insert(name.to_string());
        order.push(name.to_string());
        Ok(())
    }
    let (mut done, mut order) = (BTreeSet::new(), Vec::new());
    for name in wanted {
        visit(name, "the HTTP benchmark", depends, &mut Vec::new(), &mut done, &mut order)?;
    }
    Ok(order)
}

/// /init: busybox's applets, the modules in order, the network, then the
/// server (`program args`) until it ends; any step that fails says so and
/// powers off, so the host stops waiting.
pub fn init_script(modules: &[String], program: &str, args: &[&str]) -> String {
    let mut s = String::from(
        "#!/bin/busybox sh\n\
         # Written by xtask/src/bench/linux_net.rs: the HTTP benchmark's server.\n\
         /bin/busybox --install -s /bin\n\
         export PATH=/bin\n\
         mount -t proc proc /proc\n\
         fail() { echo \"bench-guest-failed: $*\"; poweroff -f; exit 1; }\n",
    );
    for m in modules {
        s.push_str(&format!("insmod /lib/modules/{m}.ko || fail \"insmod {m}\"\n"));
    }
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
/// libraries (from the host), the modules (`(name, file)` in load order).
pub fn initramfs(busybox: &Path, program: &Path, args: &[&str], modules: &[(String, PathBuf)]) -> Result<Tree> {
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    let exe = |data| Node::File { mode: 0o755, data };
    let name = program.file_name().context("the server program has no file name")?.to_string_lossy().into_owned();
    let mut tree = Tree::new();
    for dir in ["proc", "tmp"] {
        dom0::add(&mut tree, dir, Node::Dir);
    }
    // The kernel opens /dev/console for /init before anything is mounted.
    dom0::add(&mut tree, "dev/console", Node::CharDevice { major: 5, minor: 1 });
    let names: Vec<String> = modules.iter().map(|(n, _)| n.clone()).collect();
    dom0::add(&mut tree, "init", exe(init_script(&names, &name, args).into_bytes()));
    dom0::add(&mut tree, "bin/busybox", exe(read(busybox)?));
    dom0::add(&mut tree, &format!("{PROGRAM_DIR}/{name}"), exe(read(program)?));

    // the host's: the program was linked against them
    dom0::add_loader_and_libraries(&mut tree, &[program.to_path_buf()], crate::elf_symbols::find_system_library)?;
    for (module, path) in modules {
        dom0::add(&mut tree, &format!("lib/modules/{module}.ko"), Node::File { mode: 0o644, data: read(path)? });
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs.iter().map(|(n, d)| (n.to_string(), d.iter().map(|s| s.to_string()).collect())).collect()
    }

    #[test]
    fn modules_load_after_their_dependencies_once_each() {
        // Debian 12's virtio modules, as their .modinfo says.
        let d = deps(&[("virtio", &[]), ("virtio_ring", &[]), ("virtio_pci_legacy_dev", &[]),
                       ("virtio_pci_modern_dev", &[]), ("failover", &[]), ("net_failover", &["failover"]),
                       ("virtio_pci", &["virtio_pci_modern_dev", "virtio_ring", "virtio", "virtio_pci_legacy_dev"]),
                       ("virtio_net", &["net_failover", "virtio", "virtio_ring"]), ("unrelated", &[])]);
        let order = load_order(&d, WANTED_MODULES).unwrap();
        assert_eq!(order, ["virtio_pci_modern_dev", "virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci",
                           "failover", "net_failover", "virtio_net"]);
        let err = load_order(&deps(&[("virtio_pci", &["virtio"])]), &["virtio_pci"]).unwrap_err().to_string();
        assert!(err.contains("no module virtio (wanted by virtio_pci)"), "{err}");
        let err = load_order(&deps(&[("a", &["b"]), ("b", &["a"])]), &["a"]).unwrap_err().to_string();
        assert!(err.contains("a -> b -> a"), "{err}");
    }

    #[test]
    fn module_names_come_from_the_packages_paths() {
        assert_eq!(module_name("./lib/modules/6.1.0-57-amd64/kernel/drivers/net/virtio_net.ko").as_deref(), Some("virtio_net"));
        assert_eq!(module_name("./lib/modules/6.1.0-57-amd64/kernel/drivers/char/hw_random/virtio-rng.ko").as_deref(),
                   Some("virtio_rng"));
        assert_eq!(module_name("./lib/modules/6.1.0-57-amd64/modules.builtin"), None);
        assert_eq!(module_name("./boot/vmlinuz-6.1.0-57-amd64"), None);
    }

    #[test]
    fn depends_are_read_from_modinfo() {
        assert_eq!(depends_in_modinfo(b"license=GPL\0depends=net_failover,virtio\0name=virtio_net\0"),
                   ["net_failover", "virtio"]);
        assert!(depends_in_modinfo(b"depends=\0name=virtio\0").is_empty());
    }

    /// A relocatable object with a `.modinfo` section, as a module is,
    /// compiled by the host's cc.
    #[test]
    fn depends_are_read_from_a_modules_elf_section() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("m.c");
        std::fs::write(&c, "__attribute__((section(\".modinfo\"), used)) static const char a[] = \"license=GPL\";\n\
                            __attribute__((section(\".modinfo\"), used)) static const char b[] = \"depends=failover\";\n\
                            int init_module(void) { return 0; }\n").unwrap();
        let o = dir.path().join("m.ko");
        assert!(Command::new("cc").arg("-c").arg(&c).arg("-o").arg(&o).status().unwrap().success());
        assert_eq!(modinfo_depends(&std::fs::read(&o).unwrap()).unwrap(), ["failover"]);
        let err = modinfo_depends(&std::fs::read(which::which("true").unwrap()).unwrap()).unwrap_err().to_string();
        assert!(err.contains("no .modinfo"), "{err}");
    }

    #[test]
    fn init_loads_the_modules_sets_up_the_network_then_serves() {
        let script = init_script(&["failover".into(), "virtio_net".into()], "network-demo", &["serve", "7", "80"]);
        let lines: Vec<&str> = script.lines().collect();
        let at = |needle: &str| lines.iter().position(|l| l.starts_with(needle)).unwrap_or_else(|| panic!("{needle}: {script}"));
        assert!(at("insmod /lib/modules/failover.ko") < at("insmod /lib/modules/virtio_net.ko"));
        assert!(at("insmod /lib/modules/virtio_net.ko") < at("ip link set lo up"));
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
        let script = init_script(&["virtio".into(), "virtio_net".into()], "server", &["serve", "7", "80"])
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
        let tmp = tempfile::tempdir().unwrap();
        let module = tmp.path().join("virtio.ko");
        std::fs::write(&module, b"module").unwrap();
        let busybox = which::which("true").unwrap();
        // Any dynamic program of the host stands in for the server.
        let program = which::which("sh").unwrap();
        let tree = initramfs(&busybox, &program, &["-c", "true"], &[("virtio".into(), module)]).unwrap();
        for path in ["init", "bin/busybox", "bench/sh", "lib64/ld-linux-x86-64.so.2", "lib/x86_64-linux-gnu/libc.so.6",
                     "lib/x86_64-linux-gnu/libgcc_s.so.1", "lib/modules/virtio.ko", "dev/console", "proc"] {
            assert!(tree.contains_key(path), "{path} is missing from {:?}", tree.keys().collect::<Vec<_>>());
        }
        let Node::File { data, .. } = &tree["init"] else { panic!("init is not a file") };
        let init = String::from_utf8_lossy(data);
        assert!(init.contains("insmod /lib/modules/virtio.ko") && init.contains("/bench/sh -c true"), "{init}");
    }
}
