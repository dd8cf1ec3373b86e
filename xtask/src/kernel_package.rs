//! The pinned Debian kernel package (`dom0-kernel`), read as a stream out
//! of `dpkg-deb --fsys-tarfile` (never unpacked whole): its one
//! `boot/vmlinuz-*` and the kernel modules someone wants, with every module
//! they depend on (each module's `.modinfo` `depends=`), in the order
//! insmod needs them. dom0 takes Xen's modules this way, the HTTP
//! benchmark's Linux guest the virtio-net driver.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use object::{Object, ObjectSection};

/// One kernel module: its name as the kernel has it (`_`, not `-`) and
/// the `.ko` file's bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What was taken out of the package.
pub struct Kernel {
    pub vmlinuz: Vec<u8>,
    /// The modules wanted and their dependencies, each after what it needs.
    pub modules: Vec<Module>,
}

/// Reads the kernel and the modules `wanted` (kernel names; `wanted_by`
/// names the user in errors) out of `package`.
pub fn read(package: &Path, wanted: &[&str], wanted_by: &str) -> Result<Kernel> {
    // Two passes over the package: every module's dependencies (and the
    // kernel), then the bytes of the modules needed.
    let mut depends = BTreeMap::new();
    let mut vmlinuz = Vec::new();
    for_each_file(package, |path, bytes| {
        if let Some(name) = module_name(path) {
            depends.insert(name.clone(), modinfo_depends(&bytes()?).with_context(|| format!("the module {name}"))?);
        } else if is_vmlinuz(path) {
            if !vmlinuz.is_empty() {
                bail!("more than one boot/vmlinuz-* in the kernel package");
            }
            vmlinuz = bytes()?;
        }
        Ok(())
    })?;
    if depends.is_empty() {
        bail!("{} holds no kernel modules (lib/modules/*/kernel/**/*.ko; compressed modules are not supported)",
              package.display());
    }
    if vmlinuz.is_empty() {
        bail!("{} holds no boot/vmlinuz-*: is it a kernel package?", package.display());
    }
    let order = load_order(&depends, wanted, wanted_by)?;
    let mut found = BTreeMap::new();
    for_each_file(package, |path, bytes| {
        if let Some(name) = module_name(path).filter(|n| order.contains(n)) {
            found.insert(name, bytes()?);
        }
        Ok(())
    })?;
    let modules = order
        .into_iter()
        .map(|name| {
            let bytes = found.remove(&name).with_context(|| format!("the module {name} left the package between two reads"))?;
            Ok(Module { name, bytes })
        })
        .collect::<Result<_>>()?;
    Ok(Kernel { vmlinuz, modules })
}

/// Calls `f` with the path of every regular file in the Debian package
/// and a function that reads its bytes (only what is asked for is read).
fn for_each_file(package: &Path, mut f: impl FnMut(&str, &mut dyn FnMut() -> Result<Vec<u8>>) -> Result<()>) -> Result<()> {
    let mut child = Command::new("dpkg-deb")
        .arg("--fsys-tarfile")
        .arg(package)
        .stdout(Stdio::piped())
        .spawn()
        .context("starting dpkg-deb")?;
    let mut archive = tar::Archive::new(child.stdout.take().expect("piped"));
    let read = (|| -> Result<()> {
        for entry in archive.entries()? {
            let mut entry = entry?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let path = entry.path()?.to_string_lossy().into_owned();
            let mut bytes = || -> Result<Vec<u8>> {
                let mut bytes = Vec::new();
                entry.read_to_end(&mut bytes)?;
                Ok(bytes)
            };
            f(&path, &mut bytes)?;
        }
        Ok(())
    })();
    // On an early error dpkg-deb may be stopped by the closed pipe: the
    // error that stopped the reading is the one to report.
    let status = child.wait()?;
    read.with_context(|| format!("reading {}", package.display()))?;
    if !status.success() {
        bail!("dpkg-deb --fsys-tarfile {} failed: {status}", package.display());
    }
    Ok(())
}

/// A module's name from its path in the package, as the kernel names it
/// (`-` becomes `_`); `None` for anything that is not a module.
fn module_name(path: &str) -> Option<String> {
    let rest = path.trim_start_matches("./").strip_prefix("lib/modules/")?;
    let (_version, rest) = rest.split_once('/')?;
    let file = rest.strip_prefix("kernel/")?.rsplit('/').next()?;
    Some(kernel_name(file.strip_suffix(".ko")?))
}

/// The kernel treats `-` and `_` in module names alike and writes `_`;
/// `depends=` keeps the file's spelling (`xenfs` depends on `xen-privcmd`).
fn kernel_name(name: &str) -> String {
    name.replace('-', "_")
}

fn is_vmlinuz(path: &str) -> bool {
    path.trim_start_matches("./").strip_prefix("boot/vmlinuz-").is_some_and(|v| !v.is_empty() && !v.contains('/'))
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
        .flat_map(|d| String::from_utf8_lossy(d).split(',').filter(|n| !n.is_empty()).map(kernel_name).collect::<Vec<_>>())
        .collect()
}

/// `wanted` and everything they depend on, each after its dependencies
/// (the order insmod needs).
fn load_order(depends: &BTreeMap<String, Vec<String>>, wanted: &[&str], wanted_by: &str) -> Result<Vec<String>> {
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
        visit(&kernel_name(name), wanted_by, depends, &mut Vec::new(), &mut done, &mut order)?;
    }
    Ok(order)
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
        let order = load_order(&d, &["virtio_pci", "virtio_net"], "a test").unwrap();
        assert_eq!(order, ["virtio_pci_modern_dev", "virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci",
                           "failover", "net_failover", "virtio_net"]);
        let err = load_order(&deps(&[("virtio_pci", &["virtio"])]), &["virtio_pci"], "a test").unwrap_err().to_string();
        assert!(err.contains("no module virtio (wanted by virtio_pci)"), "{err}");
        let err = load_order(&deps(&[]), &["xen-gntalloc"], "dom0").unwrap_err().to_string();
        assert!(err.contains("no module xen_gntalloc (wanted by dom0)"), "{err}");
        let err = load_order(&deps(&[("a", &["b"]), ("b", &["a"])]), &["a"], "a test").unwrap_err().to_string();
        assert!(err.contains("a -> b -> a"), "{err}");
    }

    #[test]
    fn dashes_and_underscores_name_the_same_module() {
        // xenfs's .modinfo says depends=xen-privcmd; the file is xen-privcmd.ko
        let d = deps(&[("xen_privcmd", &[]), ("xenfs", &["xen_privcmd"])]);
        assert_eq!(load_order(&d, &["xenfs", "xen-privcmd"], "dom0").unwrap(), ["xen_privcmd", "xenfs"]);
        assert_eq!(depends_in_modinfo(b"depends=xen-privcmd\0"), ["xen_privcmd"]);
    }

    #[test]
    fn module_names_come_from_the_packages_paths() {
        assert_eq!(module_name("./lib/modules/6.1.0-57-amd64/kernel/drivers/net/virtio_net.ko").as_deref(), Some("virtio_net"));
        assert_eq!(module_name("./lib/modules/6.1.0-57-amd64/kernel/drivers/char/hw_random/virtio-rng.ko").as_deref(),
                   Some("virtio_rng"));
        assert_eq!(module_name("./lib/modules/6.1.0-57-amd64/modules.builtin"), None);
        assert_eq!(module_name("./boot/vmlinuz-6.1.0-57-amd64"), None);
        assert!(is_vmlinuz("./boot/vmlinuz-6.1.0-57-amd64"));
        assert!(!is_vmlinuz("./boot/System.map-6.1.0-57-amd64") && !is_vmlinuz("./boot/vmlinuz-"));
    }

    #[test]
    fn depends_are_read_from_modinfo() {
        assert_eq!(depends_in_modinfo(b"license=GPL\0depends=net_failover,virtio\0name=virtio_net\0"),
                   ["net_failover", "virtio"]);
        assert!(depends_in_modinfo(b"depends=\0name=virtio\0").is_empty());
    }

    /// A relocatable object with a `.modinfo` section, as a module is,
    /// compiled by the host's cc.
    fn module_object(dir: &Path, name: &str, depends: &str) -> Vec<u8> {
        let c = dir.join(format!("{name}.c"));
        std::fs::write(&c, format!(
            "__attribute__((section(\".modinfo\"), used)) static const char a[] = \"license=GPL\";\n\
             __attribute__((section(\".modinfo\"), used)) static const char b[] = \"depends={depends}\";\n\
             int init_module(void) {{ return 0; }}\n")).unwrap();
        let o = dir.join(format!("{name}.o"));
        assert!(Command::new("cc").arg("-c").arg(&c).arg("-o").arg(&o).status().unwrap().success());
        std::fs::read(&o).unwrap()
    }

    #[test]
    fn depends_are_read_from_a_modules_elf_section() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(modinfo_depends(&module_object(dir.path(), "m", "failover")).unwrap(), ["failover"]);
        let err = modinfo_depends(&std::fs::read(which::which("true").unwrap()).unwrap()).unwrap_err().to_string();
        assert!(err.contains("no .modinfo"), "{err}");
    }

    /// A Debian package built with dpkg-deb holding a kernel and modules
    /// in the layout of Debian's kernel packages.
    fn kernel_deb(dir: &Path, with_vmlinuz: bool) -> std::path::PathBuf {
        let root = dir.join("root");
        let drivers = root.join("lib/modules/6.1.0-0-amd64/kernel/drivers");
        for (sub, name, depends) in [("xen", "xen-privcmd", ""), ("xen/xenfs", "xenfs", "xen-privcmd"),
                                     ("net", "unrelated", "")] {
            std::fs::create_dir_all(drivers.join(sub)).unwrap();
            std::fs::write(drivers.join(sub).join(format!("{name}.ko")), module_object(dir, name, depends)).unwrap();
        }
        std::fs::create_dir_all(root.join("boot")).unwrap();
        if with_vmlinuz {
            std::fs::write(root.join("boot/vmlinuz-6.1.0-0-amd64"), "a kernel").unwrap();
        }
        std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
        std::fs::write(root.join("DEBIAN/control"),
                       "Package: fake-kernel\nVersion: 1\nArchitecture: amd64\nMaintainer: t <t@t>\nDescription: t\n").unwrap();
        let deb = dir.join("kernel.deb");
        let out = Command::new("dpkg-deb").args(["--root-owner-group", "--build"]).arg(&root).arg(&deb).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        deb
    }

    #[test]
    fn the_kernel_and_the_wanted_modules_come_out_of_the_package_in_load_order() {
        let dir = tempfile::tempdir().unwrap();
        let deb = kernel_deb(dir.path(), true);
        let kernel = read(&deb, &["xenfs"], "dom0").unwrap();
        assert_eq!(kernel.vmlinuz, b"a kernel");
        let names: Vec<&str> = kernel.modules.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["xen_privcmd", "xenfs"]);
        let privcmd = std::fs::read(dir.path().join("root/lib/modules/6.1.0-0-amd64/kernel/drivers/xen/xen-privcmd.ko")).unwrap();
        assert_eq!(kernel.modules[0].bytes, privcmd);

        let err = format!("{:#}", read(&deb, &["xen-netback"], "dom0").err().unwrap());
        assert!(err.contains("no module xen_netback (wanted by dom0)"), "{err}");
        let err = format!("{:#}", read(&kernel_deb(&dir.path().join("b"), false), &["xenfs"], "dom0").err().unwrap());
        assert!(err.contains("no boot/vmlinuz-*"), "{err}");
    }
}
