//! `cargo xtask deb`: the installed prefix as one Debian package,
//! `build/dist/halvm_<version>-1_amd64.deb`, built from a staged tree with
//! `dpkg-deb --root-owner-group` (no debhelper, no fakeroot).
//!
//! The prefix goes to /usr/lib/halvm unchanged (it is relocatable: every
//! tool finds its files from its own resolved path), the user tools are
//! symlinks in /usr/bin into it, and the compiler's package database is
//! shipped without its cache, which postinst builds and prerm removes (as
//! Debian's ghc package does). The packaging inputs (control template,
//! maintainer scripts, copyright, changelog) live in toolchain/debian/.

use std::io::Write;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

use crate::build_cmd::{self, BuildArgs, Stages};
use crate::dist::{self, Entry};
use crate::layout::Layout;
use crate::manifest::Manifest;

/// The package's name, and where the prefix is installed. A directory of
/// its own under /usr/lib, named after the package, is where Debian puts a
/// program's private tree (as ghc's /usr/lib/ghc); it is not versioned
/// because one halvm is installed at a time.
pub const PACKAGE: &str = "halvm";
pub const INSTALL_DIR: &str = "usr/lib/halvm";
/// Debian revision of the package: the toolchain's version, first packaging.
const REVISION: &str = "1";
/// The package's Maintainer (control) and changelog signer. The project has
/// no mailing list; a no-reply address is a well-formed one lintian accepts.
const MAINTAINER: &str = "halvm developers <halvm@users.noreply.github.com>";

/// The tools users run, linked from /usr/bin, with their man page's
/// one-line description.
pub const USER_TOOLS: &[(&str, &str)] = &[
    ("halvm-ghc", "GHC 9.0.2 compiling Haskell programs into Xen unikernel images"),
    ("halvm-ghc-pkg", "the package manager of halvm-ghc's package database"),
    ("halvm-cabal", "cabal-install for the halvm compiler"),
    ("halvm-hsc2hs", "hsc2hs for halvm's target, in cross mode"),
    ("halvm-config", "print what build systems need to compile and link for halvm"),
    ("halvm-inspect", "show what a halvm image is, what built it and its sizes"),
    ("halvm-run", "boot a halvm image under QEMU or Xen"),
    ("halvm-files", "pack a directory into the file archive a halvm image reads"),
];

/// The package database cache, relative to the prefix: generated on the
/// installed system, never shipped.
pub const PACKAGE_CACHE: &str = "lib/x86_64-halvm-linux-ghc-9.0.2/package.conf.d/package.cache";

pub fn deb_file_name() -> String {
    format!("{PACKAGE}_{}-{REVISION}_amd64.deb", dist::VERSION)
}

/// `cargo xtask deb`: builds what is missing, stages the tree and runs
/// dpkg-deb. Returns the package's path.
pub fn run(sh: &Shell, layout: &Layout, args: &BuildArgs) -> Result<PathBuf> {
    let built = build_cmd::run(sh, layout, args, Stages::All)?;
    let prefix = built.prefix.context("the build stopped before installing the prefix")?;
    write_package(sh, layout, &prefix, &layout.build.join("dist"))
}

/// Writes the package of `prefix` into `dist_dir` (the package lane
/// builds it from the prefix it was given); returns its path.
pub fn write_package(sh: &Shell, layout: &Layout, prefix: &Path, dist_dir: &Path) -> Result<PathBuf> {
    let root = dist_dir.join("deb-root");
    crate::fsutil::remove_if_exists(&root)?;
    let mtime = dist::mtime_from_env()?;
    stage(sh, layout, prefix, &root, mtime)?;
    let out = dist_dir.join(deb_file_name());
    let partial = dist_dir.join(format!("{}.partial", deb_file_name()));
    let epoch = mtime.to_string();
    cmd!(sh, "dpkg-deb --root-owner-group -Zxz --build {root} {partial}")
        .env("SOURCE_DATE_EPOCH", epoch)
        .quiet()
        .run()
        .context("dpkg-deb could not build the package (dpkg-deb >= 1.19 is needed for --root-owner-group)")?;
    std::fs::rename(&partial, &out)?;
    crate::fsutil::remove_if_exists(&root)?;
    Ok(out)
}

/// Writes the package's whole tree, DEBIAN/ included, under `root`.
fn stage(sh: &Shell, layout: &Layout, prefix: &Path, root: &Path, mtime: u64) -> Result<()> {
    let install = root.join(INSTALL_DIR);
    copy_normalised(prefix, &install, &[Path::new(PACKAGE_CACHE)])?;
    let host_binaries = host_executables(&install)?;
    for binary in &host_binaries {
        // What dh_strip does for executables.
        cmd!(sh, "strip --remove-section=.comment --remove-section=.note {binary}").quiet().run()?;
    }
    let bin = root.join("usr/bin");
    std::fs::create_dir_all(&bin)?;
    for (tool, _) in USER_TOOLS {
        if !install.join("bin").join(tool).is_file() {
            bail!("{tool} is missing from {}: the prefix is incomplete; run `cargo xtask build`", prefix.display());
        }
        symlink(format!("../lib/halvm/bin/{tool}"), bin.join(tool))?;
    }
    write_man_pages(sh, &install, &root.join("usr/share/man/man1"), &layout.tmp().join("man-home"))?;
    write_docs(sh, layout, root, mtime)?;
    let debian = root.join("DEBIAN");
    std::fs::create_dir_all(&debian)?;
    let templates = layout.repo.join("toolchain/debian");
    for script in ["postinst", "prerm"] {
        std::fs::copy(templates.join(script), debian.join(script))?;
        std::fs::set_permissions(debian.join(script), std::fs::Permissions::from_mode(0o755))?;
    }
    let depends = shlib_depends(sh, layout, &host_binaries)?;
    let control = std::fs::read_to_string(templates.join("control.in"))?
        .replace("@VERSION@", &format!("{}-{REVISION}", dist::VERSION))
        .replace("@INSTALLED_SIZE@", &installed_size_kib(root)?.to_string())
        .replace("@SHLIBS_DEPENDS@", &depends)
        .replace("@MAINTAINER@", MAINTAINER);
    std::fs::write(debian.join("control"), control)?;
    std::fs::write(debian.join("md5sums"), md5sums(sh, root)?)?;
    for dir in walkdir::WalkDir::new(root).into_iter().filter_map(|e| e.ok()).filter(|e| e.file_type().is_dir()) {
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// Copies `from` to `to` with dist's normalised modes (0755 directories
/// and executables, 0644 files), symlinks kept, `skip` left out.
pub fn copy_normalised(from: &Path, to: &Path, skip: &[&Path]) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in dist::entries(from)? {
        if skip.contains(&entry.path()) {
            continue;
        }
        let dest = to.join(entry.path());
        match &entry {
            Entry::Dir(_) => std::fs::create_dir_all(&dest)?,
            Entry::Symlink { target, .. } => symlink(target, &dest)?,
            Entry::File { path, executable } => {
                std::fs::copy(from.join(path), &dest).with_context(|| format!("copying {}", path.display()))?;
                let mode = if *executable { 0o755 } else { 0o644 };
                std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(mode))?;
            }
        }
    }
    Ok(())
}

/// The host's ELF executables below `dir` (GHC's binaries, cabal, the Rust
/// tools); the target's objects and archives (ELF relocatable files or
/// `ar` archives) are not among them.
pub fn host_executables(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry?;
        if !entry.file_type().is_file() {
            continue;
        }
        let mut head = [0u8; 18];
        let mut file = std::fs::File::open(entry.path())?;
        use std::io::Read;
        if file.read(&mut head)? < head.len() || &head[..4] != b"\x7fELF" {
            continue;
        }
        // e_type, little-endian: 2 executable, 3 shared object or PIE.
        let e_type = u16::from_le_bytes([head[16], head[17]]);
        if e_type == 2 || e_type == 3 {
            out.push(entry.path().to_path_buf());
        }
    }
    Ok(out)
}

/// The Depends that dpkg-shlibdeps computes for the host binaries.
fn shlib_depends(sh: &Shell, layout: &Layout, binaries: &[PathBuf]) -> Result<String> {
    // dpkg-shlibdeps reads debian/control of a source package: give it a
    // minimal one in a scratch directory.
    let scratch = layout.tmp().join("shlibdeps");
    crate::fsutil::remove_if_exists(&scratch)?;
    std::fs::create_dir_all(scratch.join("debian"))?;
    std::fs::write(scratch.join("debian/control"), format!("Source: {PACKAGE}\n\nPackage: {PACKAGE}\nArchitecture: amd64\n"))?;
    let _dir = sh.push_dir(&scratch);
    let out = cmd!(sh, "dpkg-shlibdeps --warnings=0 -O {binaries...}").quiet().read()
        .context("dpkg-shlibdeps failed (it is in dpkg-dev, a host package `cargo xtask build` installs)")?;
    crate::fsutil::remove_if_exists(&scratch)?;
    parse_shlibdeps(&out)
}

/// The value of `shlibs:Depends=...` in dpkg-shlibdeps's output.
pub fn parse_shlibdeps(output: &str) -> Result<String> {
    output
        .lines()
        .find_map(|line| line.strip_prefix("shlibs:Depends="))
        .map(|deps| deps.trim().to_string())
        .filter(|deps| !deps.is_empty())
        .with_context(|| format!("dpkg-shlibdeps printed no shlibs:Depends line: {output:?}"))
}

/// Installed-Size the way dpkg-gencontrol counts it: each file's size in
/// KiB rounded up, one KiB for every other entry.
pub fn installed_size_kib(root: &Path) -> Result<u64> {
    let mut kib = 0;
    for entry in walkdir::WalkDir::new(root).min_depth(1) {
        let entry = entry?;
        if entry.path().strip_prefix(root)?.starts_with("DEBIAN") {
            continue;
        }
        kib += if entry.file_type().is_file() { entry.metadata()?.len().div_ceil(1024) } else { 1 };
    }
    Ok(kib)
}

/// DEBIAN/md5sums: every regular file outside DEBIAN/, as md5sum prints it.
fn md5sums(sh: &Shell, root: &Path) -> Result<String> {
    let files: Vec<String> = dist::entries(root)?
        .into_iter()
        .filter_map(|e| match e {
            Entry::File { path, .. } if !path.starts_with("DEBIAN") => Some(path.display().to_string()),
            _ => None,
        })
        .collect();
    let _dir = sh.push_dir(root);
    // Many thousands of paths: through xargs, NUL-separated.
    let list = files.join("\0");
    Ok(cmd!(sh, "xargs -0 md5sum --").stdin(list).quiet().read()? + "\n")
}

/// One short man page per user tool: its description and its `--help`
/// text, run from the staged tree.
fn write_man_pages(sh: &Shell, install: &Path, man1: &Path, home: &Path) -> Result<()> {
    std::fs::create_dir_all(man1)?;
    for (tool, what) in USER_TOOLS {
        let exe = install.join("bin").join(tool);
        // A scratch HOME: halvm-cabal's --help must not touch the user's.
        let help = cmd!(sh, "{exe} --help").env("HOME", home).quiet().ignore_stderr().read()
            .with_context(|| format!("{tool} --help failed"))?;
        let page = man_page(tool, what, dist::VERSION, &help);
        std::fs::write(man1.join(format!("{tool}.1.gz")), gzip_best(page.as_bytes())?)?;
    }
    crate::fsutil::remove_if_exists(home)?;
    Ok(())
}

/// A minimal troff man page: NAME, then the tool's help text verbatim.
pub fn man_page(tool: &str, what: &str, version: &str, help: &str) -> String {
    let mut page = format!(
        ".TH {} 1 \"\" \"halvm {version}\" \"User Commands\"\n.SH NAME\n{} \\- {}\n.SH DESCRIPTION\n.nf\n",
        tool.to_uppercase(),
        tool.replace('-', "\\-"),
        escape_troff(what)
    );
    for line in help.lines() {
        page.push_str(&escape_troff(line));
        page.push('\n');
    }
    page.push_str(".fi\n");
    page
}

/// Text as troff shows it literally: backslashes escaped, and a line that
/// would start with a control character (`.` or `'`) guarded by `\&`.
pub fn escape_troff(line: &str) -> String {
    let text = line.replace('\\', "\\e");
    if text.starts_with('.') || text.starts_with('\'') {
        format!("\\&{text}")
    } else {
        text
    }
}

/// gzip -9n: best compression, no name, no timestamp (reproducible).
pub fn gzip_best(data: &[u8]) -> Result<Vec<u8>> {
    let mut gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::best());
    gz.write_all(data)?;
    Ok(gz.finish()?)
}

/// usr/share/doc/halvm: copyright (halvm's, GHC's, cabal-install's) and
/// changelog.Debian.gz; lintian's overrides, each with its reason.
fn write_docs(sh: &Shell, layout: &Layout, root: &Path, mtime: u64) -> Result<()> {
    let doc = root.join("usr/share/doc").join(PACKAGE);
    std::fs::create_dir_all(&doc)?;
    let templates = layout.repo.join("toolchain/debian");
    let ghc_license = std::fs::read_to_string(layout.sources().join("ghc-9.0.2/LICENSE"))
        .context("reading GHC's LICENSE from the GHC source tree (cargo xtask build unpacks it)")?;
    let copyright = std::fs::read_to_string(templates.join("copyright.in"))?
        .replace("@GHC_LICENSE@", &as_field_text(&ghc_license))
        .replace("@CABAL_INSTALL_COPYRIGHT@", &as_field_text(&cabal_install_copyright(sh, layout)?));
    std::fs::write(doc.join("copyright"), copyright)?;
    let at = format!("@{mtime}");
    let date = cmd!(sh, "date -u -R -d {at}").quiet().read()?;
    let changelog = std::fs::read_to_string(templates.join("changelog.in"))?
        .replace("@VERSION@", &format!("{}-{REVISION}", dist::VERSION))
        .replace("@UPSTREAM_VERSION@", dist::VERSION)
        .replace("@DATE@", &date)
        .replace("@MAINTAINER@", MAINTAINER);
    std::fs::write(doc.join("changelog.Debian.gz"), gzip_best(changelog.as_bytes())?)?;
    let overrides = root.join("usr/share/lintian/overrides");
    std::fs::create_dir_all(&overrides)?;
    std::fs::copy(templates.join("lintian-overrides"), overrides.join(PACKAGE))?;
    Ok(())
}

/// cabal-install's copyright file, from the pinned Debian package the
/// prefix's cabal binary comes from.
fn cabal_install_copyright(sh: &Shell, layout: &Layout) -> Result<String> {
    let manifest = Manifest::load(&layout.manifest())?;
    let deb = crate::fetch::input(sh, layout, &manifest, "cabal-install")?;
    let scratch = layout.tmp().join("cabal-install-copyright");
    crate::fsutil::remove_if_exists(&scratch)?;
    crate::unpack::deb(sh, &deb, &scratch)?;
    let text = std::fs::read_to_string(scratch.join("usr/share/doc/cabal-install/copyright"))
        .context("the pinned cabal-install package has no usr/share/doc/cabal-install/copyright")?;
    crate::fsutil::remove_if_exists(&scratch)?;
    Ok(text)
}

/// Text as the continuation lines of a Debian control field: each line
/// indented by one space, empty lines written as " .".
pub fn as_field_text(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| if l.trim().is_empty() { " .".to_string() } else { format!(" {l}") })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn troff_control_characters_are_guarded() {
        assert_eq!(escape_troff(".hidden"), "\\&.hidden");
        assert_eq!(escape_troff("'quote"), "\\&'quote");
        assert_eq!(escape_troff("a\\b"), "a\\eb");
        assert_eq!(escape_troff("plain -x"), "plain -x");
        let page = man_page("halvm-run", "boot it", "9.9", "Usage: halvm-run\n.x");
        assert!(page.starts_with(".TH HALVM-RUN 1 \"\" \"halvm 9.9\""), "{page}");
        assert!(page.contains("halvm\\-run \\- boot it\n"), "{page}");
        assert!(page.contains("\n\\&.x\n"), "{page}");
    }

    #[test]
    fn field_text_marks_blank_lines() {
        assert_eq!(as_field_text("a\n\n  b\n"), " a\n .\n   b");
    }

    #[test]
    fn shlibdeps_output_is_parsed_and_an_empty_one_refused() {
        let out = "shlibs:Depends=libc6 (>= 2.34), libgmp10 (>= 2:6.2.1+dfsg1)\n";
        assert_eq!(parse_shlibdeps(out).unwrap(), "libc6 (>= 2.34), libgmp10 (>= 2:6.2.1+dfsg1)");
        assert!(parse_shlibdeps("shlibs:Depends=\n").is_err());
        assert!(parse_shlibdeps("").is_err());
    }

    #[test]
    fn gzip_is_reproducible_and_maximal() {
        let a = gzip_best(b"text").unwrap();
        assert_eq!(a, gzip_best(b"text").unwrap());
        // Header: no mtime (bytes 4..8), XFL 2 (maximum compression).
        assert_eq!(&a[4..9], &[0, 0, 0, 0, 2]);
    }

    #[test]
    fn host_executables_are_elf_programs_only() {
        let dir = tempfile::tempdir().unwrap();
        let elf = |name: &str, e_type: u16| {
            let mut bytes = b"\x7fELF".to_vec();
            bytes.resize(16, 0);
            bytes.extend_from_slice(&e_type.to_le_bytes());
            bytes.resize(64, 0);
            std::fs::write(dir.path().join(name), bytes).unwrap();
        };
        elf("program", 2);
        elf("pie", 3);
        elf("object.o", 1);
        std::fs::write(dir.path().join("script"), "#!/bin/sh\n").unwrap();
        std::fs::write(dir.path().join("libx.a"), "!<arch>\n").unwrap();
        let found: Vec<String> = host_executables(dir.path()).unwrap().iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(found, ["pie", "program"]);
    }

    #[test]
    fn copy_normalises_modes_keeps_symlinks_and_skips() {
        let from = tempfile::tempdir().unwrap();
        let to = tempfile::tempdir().unwrap();
        std::fs::create_dir(from.path().join("d")).unwrap();
        std::fs::write(from.path().join("d/x"), "x").unwrap();
        std::fs::set_permissions(from.path().join("d/x"), std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::write(from.path().join("d/cache"), "c").unwrap();
        symlink("x", from.path().join("d/l")).unwrap();
        let dest = to.path().join("out");
        copy_normalised(from.path(), &dest, &[Path::new("d/cache")]).unwrap();
        let mode = |p: &str| std::fs::metadata(dest.join(p)).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode("d/x"), 0o755);
        assert_eq!(std::fs::read_link(dest.join("d/l")).unwrap(), Path::new("x"));
        assert!(!dest.join("d/cache").exists());
    }
}
