//! The dom0 of the domU lane: Debian 12's kernel, booted as Xen's PV
//! initial domain, with an initramfs holding busybox, Xen's toolstack,
//! curl and the libraries they load, and `/init` (tests/domu/init), all taken from the
//! pinned `dom0-*` packages of toolchain/versions.toml. The packages are
//! unpacked with `dpkg-deb -x`, never installed; from the kernel's, only
//! the kernel and the modules dom0 needs are taken (kernel_package.rs).
//!
//! ```text
//! build/dom0/
//!   vmlinuz          the kernel
//!   dom0.cpio.gz     the initramfs (newc, gzip)
//! ```
//!
//! Rebuilt only when a package, /init or the code that assembles them
//! changes (the tree's stamp is the key of all three).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xshell::Shell;

use crate::cpio::CpioWriter;
use crate::input_key::InputKey;
use crate::kernel_package::{self, Module};
use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::progress::Step;
use crate::{atomic_dir, fetch, fsutil, unpack};

/// The manifest inputs that make up dom0 start with this.
const INPUT_PREFIX: &str = "dom0-";
/// The kernel's input.
pub(crate) const KERNEL_INPUT: &str = "dom0-kernel";

/// Xen's tools, where Debian installs the real binaries (the /usr/sbin
/// wrappers want /sys/hypervisor, which a dom0 kernel without the
/// xen-sys module lacks).
const XEN_BIN: &str = "usr/lib/xen-4.17/bin";
/// vchan-socket-proxy: Xen's own vchan peer (libxenvchan), for the vchan cases.
const XEN_PROGRAMS: &[&str] = &["xl", "xenstored", "xenconsoled", "xen-init-dom0", "vchan-socket-proxy"];
/// xenstore-utils' one program, which acts by the name it is called by.
const XENSTORE: &str = "usr/bin/xenstore";
const XENSTORE_NAMES: &[&str] =
    &["xenstore-read", "xenstore-write", "xenstore-ls", "xenstore-list", "xenstore-exists", "xenstore-rm"];
/// curl: dom0's HTTP client for the guests' HTTP servers, the client users
/// reach a server with (its --write-out reports status and size).
const CURL: &str = "usr/bin/curl";
/// Loaded by glibc at run time (pthread_cancel), so no ELF header names it;
/// without it xl aborts.
const RUNTIME_LIBRARIES: &[&str] = &["libgcc_s.so.1"];
/// Where the packages keep shared libraries, and where the initramfs does.
const LIBRARY_DIRS: &[&str] = &["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu"];
const LIBRARY_DIR: &str = "lib/x86_64-linux-gnu";
/// The dynamic loader every x86-64 glibc program names (PT_INTERP).
const LOADER: &str = "/lib64/ld-linux-x86-64.so.2";
/// Xen's kernel modules the toolstack needs (xenfs, which brings
/// xen-privcmd, the event channel and grant devices) and netback for the
/// guests' vifs. They go to `lib/modules/<name>.ko` with their
/// dependencies, and `lib/modules/load` loads them in order for /init.
const MODULES: &[&str] = &["xenfs", "xen-evtchn", "xen-gntdev", "xen-gntalloc", "xen-netback"];

/// The built dom0.
pub struct Dom0 {
    pub kernel: PathBuf,
    pub initramfs: PathBuf,
}

/// /init, kept in the repository.
pub fn init_script(layout: &Layout) -> PathBuf {
    layout.repo.join("tests/domu/init")
}

/// Fetches the pinned packages and builds dom0 unless it is current.
pub fn ensure(sh: &Shell, layout: &Layout) -> Result<Dom0> {
    let manifest = Manifest::load(&layout.manifest())?;
    let names: Vec<&String> = manifest.inputs.keys().filter(|n| n.starts_with(INPUT_PREFIX)).collect();
    if !names.iter().any(|n| *n == KERNEL_INPUT) {
        bail!("toolchain/versions.toml has no [inputs.{KERNEL_INPUT}]: the domU lane's dom0 needs Debian 12's kernel");
    }
    let mut key = InputKey::new("dom0");
    let mut packages = Vec::new();
    for name in names.iter().filter(|n| **n != KERNEL_INPUT) {
        key.text(name, &manifest.input(name)?.sha256.to_string());
        packages.push(fetch::input(sh, layout, &manifest, name)?);
    }
    key.text(KERNEL_INPUT, &manifest.input(KERNEL_INPUT)?.sha256.to_string());
    let kernel_package = fetch::input(sh, layout, &manifest, KERNEL_INPUT)?;
    let init = init_script(layout);
    key.file(&layout.repo, &init)?;
    // The code that decides what goes into the archive, and how.
    key.text("dom0.rs", include_str!("dom0.rs"))
        .text("cpio.rs", include_str!("cpio.rs"))
        .text("kernel_package.rs", include_str!("kernel_package.rs"));
    let dest = layout.build.join("dom0");
    let staging = layout.tmp().join("dom0-packages");
    atomic_dir::ensure(&dest, &key.finish(), |out| {
        let step = Step::start(&format!("assembling dom0 from {} Debian packages", packages.len() + 1));
        fsutil::remove_if_exists(&staging)?;
        for package in &packages {
            unpack::deb(sh, package, &staging)?;
        }
        let kernel = kernel_package::read(&kernel_package, MODULES, "dom0")?;
        std::fs::write(out.join("vmlinuz"), &kernel.vmlinuz)?;
        let tree = assemble(&staging, &kernel.modules, &std::fs::read(&init)?)?;
        write_gzip_cpio(&tree, &out.join("dom0.cpio.gz"))?;
        fsutil::remove_if_exists(&staging)?;
        step.done();
        Ok(())
    })?;
    Ok(Dom0 { kernel: dest.join("vmlinuz"), initramfs: dest.join("dom0.cpio.gz") })
}

/// One entry of the initramfs.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Dir,
    File { mode: u32, data: Vec<u8> },
    Symlink(String),
    CharDevice { major: u32, minor: u32 },
}

/// The initramfs as paths (relative, without a leading `/`) to entries.
pub type Tree = BTreeMap<String, Node>;

/// Adds `path`, and every directory above it that is not there yet.
pub fn add(tree: &mut Tree, path: &str, node: Node) {
    let mut parent = String::new();
    for part in path.split('/').collect::<Vec<_>>().split_last().unwrap().1 {
        if !parent.is_empty() {
            parent.push('/');
        }
        parent.push_str(part);
        tree.entry(parent.clone()).or_insert(Node::Dir);
    }
    tree.insert(path.to_string(), node);
}

fn executable(data: Vec<u8>) -> Node {
    Node::File { mode: 0o755, data }
}

/// What dom0's initramfs holds, taken from the unpacked packages in
/// `staging` and the kernel's `modules` (in load order).
fn assemble(staging: &Path, modules: &[Module], init: &[u8]) -> Result<Tree> {
    let mut tree = Tree::new();
    for dir in ["dev", "proc", "sys", "run", "tmp", "var", "etc", "sbin", "usr/sbin"] {
        add(&mut tree, dir, Node::Dir);
    }
    // The kernel opens /dev/console for /init before anything is mounted.
    add(&mut tree, "dev/console", Node::CharDevice { major: 5, minor: 1 });
    add(&mut tree, "init", executable(init.to_vec()));
    // xl reads its defaults from here and complains when there is none;
    // the built-in defaults are the ones wanted.
    add(&mut tree, "etc/xen/xl.conf", Node::File { mode: 0o644, data: b"# built-in defaults\n".to_vec() });
    // /init installs busybox's applets as symbolic links itself.
    add(&mut tree, "bin/busybox", executable(read(&staging.join("bin/busybox"))?));

    let mut programs = Vec::new();
    for program in XEN_PROGRAMS {
        programs.push(format!("{XEN_BIN}/{program}"));
    }
    programs.push(XENSTORE.to_string());
    programs.push(CURL.to_string());
    for program in &programs {
        add(&mut tree, program, executable(read(&staging.join(program))?));
    }
    for name in XENSTORE_NAMES {
        add(&mut tree, &format!("usr/bin/{name}"), Node::Symlink("xenstore".into()));
    }

    let paths: Vec<PathBuf> = programs.iter().map(|p| staging.join(p)).collect();
    add_loader_and_libraries(&mut tree, &paths, |name| find_library(staging, name))?;

    add_modules(&mut tree, modules);
    Ok(tree)
}

/// The /init line that loads the modules [`add_modules`] added (the
/// /init defines `fail`); tests/domu/init has the same line.
pub(crate) const LOAD_MODULES_SH: &str = ". /lib/modules/load\n";

/// Adds `modules` as `lib/modules/<name>.ko`, and `lib/modules/load`
/// ([`load_script`]) that loads them in this order.
pub(crate) fn add_modules(tree: &mut Tree, modules: &[Module]) {
    for module in modules {
        add(tree, &format!("lib/modules/{}.ko", module.name), Node::File { mode: 0o644, data: module.bytes.clone() });
    }
    add(tree, "lib/modules/load", Node::File { mode: 0o644, data: load_script(modules).into_bytes() });
}

/// A sh fragment an /init sources: insmod of each module in order, the
/// /init's `fail` on the first that does not load.
pub(crate) fn load_script(modules: &[Module]) -> String {
    modules.iter().map(|m| format!("insmod /lib/modules/{0}.ko || fail \"insmod {0}\"\n", m.name)).collect()
}

/// Adds what dynamically linked glibc `programs` need to run from an
/// initramfs: the loader they name (which must be LOADER) and the
/// libraries they load, directly or through each other, plus
/// RUNTIME_LIBRARIES, each file found by `find` (by its name).
pub(crate) fn add_loader_and_libraries(tree: &mut Tree, programs: &[PathBuf], find: impl Fn(&str) -> Result<PathBuf>)
                                       -> Result<()> {
    for program in programs {
        let interpreter = crate::elf_symbols::interpreter(program)?;
        if interpreter != LOADER {
            bail!("{} asks for the loader {interpreter}, not {LOADER}", program.display());
        }
    }
    let loader_name = LOADER.rsplit('/').next().unwrap();
    add(tree, LOADER.trim_start_matches('/'), executable(read(&find(loader_name)?)?));
    for (name, path) in crate::elf_symbols::library_closure(programs, RUNTIME_LIBRARIES, loader_name, &find)? {
        add(tree, &format!("{LIBRARY_DIR}/{name}"), executable(read(&path)?));
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// `name` in the packages' library directories.
fn find_library(staging: &Path, name: &str) -> Result<PathBuf> {
    let candidates: BTreeSet<PathBuf> = LIBRARY_DIRS.iter().map(|d| staging.join(d).join(name)).collect();
    candidates.into_iter().find(|p| p.exists()).with_context(|| {
        format!("no pinned package provides the shared library {name}; add the Debian package that does \
                 to toolchain/versions.toml as a `dom0-` input")
    })
}

/// Writes `tree` as a gzip-compressed newc cpio archive (parents before
/// children: the map is sorted and a parent's path is a prefix).
pub fn write_gzip_cpio(tree: &Tree, path: &Path) -> Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let gzip = flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::fast());
    let mut cpio = CpioWriter::new(gzip);
    let written = (|| -> std::io::Result<()> {
        for (name, node) in tree {
            match node {
                Node::Dir => cpio.dir(name, 0o755)?,
                Node::File { mode, data } => cpio.file(name, *mode, data)?,
                Node::Symlink(target) => cpio.symlink(name, target)?,
                Node::CharDevice { major, minor } => cpio.char_device(name, 0o600, *major, *minor)?,
            }
        }
        cpio.finish()?.finish()?.flush()
    })();
    written.with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_are_added_once_and_before_their_children() {
        let mut tree = Tree::new();
        add(&mut tree, "usr/lib/xen-4.17/bin/xl", executable(vec![1]));
        add(&mut tree, "usr/bin/xenstore", executable(vec![2]));
        let names: Vec<&str> = tree.keys().map(String::as_str).collect();
        assert_eq!(names, ["usr", "usr/bin", "usr/bin/xenstore", "usr/lib", "usr/lib/xen-4.17", "usr/lib/xen-4.17/bin",
                           "usr/lib/xen-4.17/bin/xl"]);
        assert_eq!(tree["usr/lib"], Node::Dir);
    }

    #[test]
    fn the_archive_holds_the_tree() {
        let tmp = tempfile::tempdir().unwrap();
        let mut tree = Tree::new();
        add(&mut tree, "dev/console", Node::CharDevice { major: 5, minor: 1 });
        add(&mut tree, "bin/sh", Node::Symlink("busybox".into()));
        add(&mut tree, "init", executable(b"#!/bin/sh\n".to_vec()));
        let path = tmp.path().join("a.cpio.gz");
        write_gzip_cpio(&tree, &path).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap()), &mut bytes)
            .unwrap();
        let entries = crate::cpio::tests::read_archive(&bytes);
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["bin", "bin/sh", "dev", "dev/console", "init"]);
        assert_eq!(entries[3].rdev, (5, 1));
        assert_eq!(entries[4].mode, 0o100755);
    }

    /// A staging tree like the packages': the host's own `true` stands in
    /// for every program, with the host's C library beside it.
    fn fake_staging(root: &Path) {
        let host_true = which::which("true").unwrap();
        let programs: Vec<String> = XEN_PROGRAMS.iter().map(|p| format!("{XEN_BIN}/{p}"))
            .chain([XENSTORE.to_string(), CURL.to_string(), "bin/busybox".to_string()]).collect();
        for program in programs {
            let path = root.join(program);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::copy(&host_true, path).unwrap();
        }
        let libs = root.join(LIBRARY_DIR);
        std::fs::create_dir_all(&libs).unwrap();
        for lib in ["libc.so.6", "ld-linux-x86-64.so.2", "libgcc_s.so.1"] {
            std::fs::copy(Path::new("/lib/x86_64-linux-gnu").join(lib), libs.join(lib)).unwrap();
        }
    }

    /// Modules as kernel_package::read gives them.
    fn fake_modules() -> Vec<Module> {
        ["xen_privcmd", "xenfs", "xen_netback"].iter()
            .map(|name| Module { name: name.to_string(), bytes: name.as_bytes().to_vec() })
            .collect()
    }

    #[test]
    fn the_tree_has_the_tools_their_libraries_the_modules_and_init() {
        let tmp = tempfile::tempdir().unwrap();
        fake_staging(tmp.path());
        let tree = assemble(tmp.path(), &fake_modules(), b"#!/bin/sh\n").unwrap();
        for path in ["init", "bin/busybox", "usr/lib/xen-4.17/bin/xl", "usr/lib/xen-4.17/bin/xenconsoled",
                     "usr/lib/xen-4.17/bin/vchan-socket-proxy",
                     "usr/bin/xenstore", "usr/bin/curl", "lib64/ld-linux-x86-64.so.2", "lib/x86_64-linux-gnu/libc.so.6",
                     "lib/x86_64-linux-gnu/libgcc_s.so.1", "lib/modules/xenfs.ko",
                     "lib/modules/xen_netback.ko", "dev/console"] {
            assert!(tree.contains_key(path), "{path} is missing from {:?}", tree.keys().collect::<Vec<_>>());
        }
        assert_eq!(tree["usr/bin/xenstore-read"], Node::Symlink("xenstore".into()));
        assert_eq!(tree["lib/modules/xen_privcmd.ko"], Node::File { mode: 0o644, data: b"xen_privcmd".to_vec() });
        let Node::File { data, .. } = &tree["lib/modules/load"] else { panic!("lib/modules/load is not a file") };
        let loads: Vec<&str> = std::str::from_utf8(data).unwrap().lines().collect();
        assert_eq!(loads, ["insmod /lib/modules/xen_privcmd.ko || fail \"insmod xen_privcmd\"",
                           "insmod /lib/modules/xenfs.ko || fail \"insmod xenfs\"",
                           "insmod /lib/modules/xen_netback.ko || fail \"insmod xen_netback\""]);
    }

    #[test]
    fn a_library_no_package_provides_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        fake_staging(tmp.path());
        std::fs::remove_file(tmp.path().join(LIBRARY_DIR).join("libgcc_s.so.1")).unwrap();
        let err = format!("{:#}", assemble(tmp.path(), &fake_modules(), b"").unwrap_err());
        assert!(err.contains("libgcc_s.so.1") && err.contains("toolchain/versions.toml"), "{err}");
    }

    #[test]
    fn init_is_valid_sh() {
        let init = init_script(&Layout::with_dirs("/nonexistent", "/nonexistent"));
        let status = std::process::Command::new("sh").arg("-n").arg(&init).status().unwrap();
        assert!(status.success(), "sh -n {} failed", init.display());
    }
}
