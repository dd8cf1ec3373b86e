//! The cabal lane: real Hackage packages built with the prefix's
//! `halvm-cabal`, the same project built natively by the same cabal-install
//! with the platform GHC, and the images booted and compared with the Linux
//! programs (tests/ghc, test target `cabal_qemu`).
//!
//! The project is tests/cabal/project; its dependencies come from a local
//! no-index repository holding the pinned `hackage-*` inputs of
//! toolchain/versions.toml (Hackage itself is not reachable here). Both
//! builds share one project directory, so the lane also checks that they
//! leave each other's results alone and that a repeated build does no work.
//!
//! ```text
//! build/cabal-lane/
//!   repository/        <package>-<version>.tar.gz, a file+noindex repository
//!   project/           a copy of tests/cabal/project (dist-halvm/, dist-newstyle/)
//!   halvm-cabal-dir/   CABAL_DIR of halvm-cabal
//!   native-cabal-dir/  CABAL_DIR of the native build
//! build/images/cabal/  <exe>.xen and host/<exe>/halvm, as the Haskell tests lay them out
//! ```

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

use crate::build_cmd::Built;
use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::progress::Step;
use crate::fsutil::{files_under, write_if_changed};
use crate::{cabal_install, fetch, test_cmd};

/// The executables of tests/cabal/project, each booted by the lane.
pub const EXECUTABLES: &[&str] =
    &["random-demo", "primitive-demo", "clock-demo", "zlib-demo", "old-time-demo", "vector-demo", "hsc-demo", "th-demo",
      "network-demo"];

/// halvm-cabal's CABAL_DIR, under build/cabal-lane: its configuration
/// names the pinned repository (README's example is built with it too).
const HALVM_CABAL_DIR: &str = "halvm-cabal-dir";

pub fn run(sh: &Shell, layout: &Layout, built: &Built) -> Result<()> {
    let images = build_images(sh, layout, built)?;
    let prefix = built.prefix.as_deref().context("the cross compiler was not built")?;
    let _images = sh.push_env("HALVM_HASKELL_IMAGES", &images);
    let _prefix = sh.push_env("HALVM_PREFIX", prefix);
    let _cabal_dir = sh.push_env("HALVM_CABAL_LANE_DIR", layout.build.join("cabal-lane").join(HALVM_CABAL_DIR));
    test_cmd::cargo(
        sh,
        layout,
        &["test", "--package", "halvm-ghc-tests", "--test", "cabal_qemu", "--test", "hsc2hs", "--test", "halvm_cabal_args",
          "--test", "readme_web_example"],
    )
}

/// Builds the project with both configurations (a build with nothing
/// changed must do no work, in either order) and lays out the images
/// and the Linux programs the way the Haskell tests expect; returns that
/// directory (build/images/cabal). The cabal lane boots them; the domU
/// lane and the benchmarks call this too, so a run builds them once.
pub fn build_images(sh: &Shell, layout: &Layout, built: &Built) -> Result<PathBuf> {
    let prefix = built.prefix.as_deref().context("the cross compiler was not built")?;
    let work = layout.build.join("cabal-lane");
    // Two builds of one project directory at once (a test run and a
    // benchmark, say) break each other's files: the second waits.
    std::fs::create_dir_all(&work)?;
    let lock = std::fs::File::create(work.join("lock")).context("creating the cabal lane's lock file")?;
    if lock.try_lock().is_err() {
        eprintln!("    waiting for another cabal build of {} to finish", work.display());
        lock.lock().context("waiting for the cabal lane's lock")?;
    }
    let repository = offer_hackage_inputs(sh, layout, &work.join("repository"))?;
    offer_hsc2hs(sh, layout, &repository)?;
    let project = work.join("project");
    sync_project(&layout.repo.join("tests/cabal/project"), &project)?;
    let _cwd = sh.push_dir(&project);

    let halvm = Cabal::halvm(prefix, &work.join(HALVM_CABAL_DIR), &repository)?;
    let native = Cabal::native(prefix, built, &work.join("native-cabal-dir"), &repository)?;
    halvm.build(sh, &project, layout)?;
    native.build(sh, &project, layout)?;
    let halvm_bins = halvm.list_bins(sh)?;
    let native_bins = native.list_bins(sh)?;

    // Built again, in either order, nothing is redone and nothing of the
    // other compiler's build is touched.
    let before = mtimes(halvm_bins.iter().chain(&native_bins))?;
    for cabal in [&halvm, &native, &halvm] {
        cabal.build_expecting_no_work(sh, &project, layout)?;
    }
    if mtimes(halvm_bins.iter().chain(&native_bins))? != before {
        bail!("a repeated build rewrote an executable although nothing changed");
    }

    // Each image was linked against the prefix's current platform: a
    // build that changed only rts-xen or minlibc relinks (halvm-cabal and
    // halvm-ghc put the platform's symbol into the link).
    let symbol = halvm_tools::prefix::Prefix { root: prefix.to_path_buf() }.platform_symbol()?;
    for image in &halvm_bins {
        if !crate::elf_symbols::linked_into(image)?.contains(&symbol) {
            bail!("{} was not linked against the prefix's current platform (no symbol {symbol}): \
                   halvm-cabal did not relink it after rts-xen, minlibc or libm changed", image.display());
        }
    }

    let images = layout.images().join("cabal");
    for ((name, image), host) in EXECUTABLES.iter().zip(&halvm_bins).zip(&native_bins) {
        write_if_changed(&images.join(format!("{name}.xen")), &std::fs::read(image)?)?;
        let host_copy = images.join("host").join(name).join("halvm");
        write_if_changed(&host_copy, &std::fs::read(host)?)?;
        make_executable(&host_copy)?;
    }
    Ok(images)
}

/// One cabal-install configuration: halvm-cabal, or the same cabal binary
/// with the platform GHC.
struct Cabal {
    name: &'static str,
    /// The program and the arguments that come before the command word.
    program: PathBuf,
    /// Arguments after the command word (the native compiler's tools).
    options: Vec<String>,
    cabal_dir: PathBuf,
}

impl Cabal {
    fn halvm(prefix: &Path, cabal_dir: &Path, repository: &Path) -> Result<Cabal> {
        write_config(cabal_dir, repository)?;
        Ok(Cabal { name: "halvm-cabal", program: prefix.join("bin/halvm-cabal"), options: vec![], cabal_dir: cabal_dir.into() })
    }

    fn native(prefix: &Path, built: &Built, cabal_dir: &Path, repository: &Path) -> Result<Cabal> {
        write_config(cabal_dir, repository)?;
        let ghc = &built.platform_ghc;
        Ok(Cabal {
            name: "native cabal",
            program: prefix.join(cabal_install::IN_PREFIX),
            options: vec![
                format!("--with-compiler={}", ghc.ghc().display()),
                format!("--with-hc-pkg={}", ghc.ghc_pkg().display()),
            ],
            cabal_dir: cabal_dir.into(),
        })
    }

    /// `<program> <command> <options> <args>` (in the shell's directory,
    /// the project). The two
    /// configurations differ in their CABAL_DIR (halvm-cabal reads
    /// HALVM_CABAL_DIR) and in the tools they pass.
    fn command<'a>(&self, sh: &'a Shell, command: &str, args: &[&str]) -> xshell::Cmd<'a> {
        let (program, options) = (&self.program, &self.options);
        cmd!(sh, "{program} {command} {options...} {args...}")
            .env("CABAL_DIR", &self.cabal_dir)
            .env("HALVM_CABAL_DIR", &self.cabal_dir)
    }

    fn build(&self, sh: &Shell, project: &Path, layout: &Layout) -> Result<String> {
        let step = Step::start(&format!("{} build all (log: {})", self.name, self.log(layout).display()));
        let out = self.command(sh, "build", &["all"]).ignore_status().output()?;
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        std::fs::create_dir_all(layout.logs())?;
        std::fs::write(self.log(layout), &text)?;
        if !out.status.success() {
            let tail: Vec<&str> = text.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
            bail!("{} build failed in {}:\n{}\n(the whole log is {})", self.name, project.display(), tail.join("\n"),
                  self.log(layout).display());
        }
        step.done();
        Ok(text)
    }

    fn build_expecting_no_work(&self, sh: &Shell, project: &Path, layout: &Layout) -> Result<()> {
        let text = self.build(sh, project, layout)?;
        if !text.contains("Up to date") || text.contains("Building") || text.contains("Compiling") {
            bail!("{} build with nothing changed did work; its output:\n{text}", self.name);
        }
        Ok(())
    }

    fn list_bins(&self, sh: &Shell) -> Result<Vec<PathBuf>> {
        let mut bins = Vec::new();
        for exe in EXECUTABLES {
            let out = self.command(sh, "list-bin", &[exe]).read()
                .with_context(|| format!("{} list-bin {exe}", self.name))?;
            let path = PathBuf::from(out.lines().last().unwrap_or("").trim());
            if !path.is_file() {
                bail!("{} list-bin {exe} names {}, which does not exist", self.name, path.display());
            }
            bins.push(path);
        }
        Ok(bins)
    }

    fn log(&self, layout: &Layout) -> PathBuf {
        layout.logs().join(format!("cabal-lane-{}.log", self.name.replace(' ', "-")))
    }
}

/// A cabal configuration whose only package source is `repository`.
fn write_config(cabal_dir: &Path, repository: &Path) -> Result<()> {
    let config = format!(
        "-- written by cargo xtask test (cabal lane): packages come only from the pinned sdists\n\
         repository halvm-pinned\n  url: file+noindex://{}\n",
        repository.display()
    );
    write_if_changed(&cabal_dir.join("config"), config.as_bytes())
}

/// Copies every pinned `hackage-*` input into `dir` as
/// `<package>-<version>.tar.gz`, the names a no-index repository needs.
fn offer_hackage_inputs(sh: &Shell, layout: &Layout, dir: &Path) -> Result<PathBuf> {
    let manifest = Manifest::load(&layout.manifest())?;
    for (name, input) in manifest.inputs.iter().filter(|(name, _)| name.starts_with("hackage-")) {
        let cached = fetch::input(sh, layout, &manifest, name)?;
        let package = input.package.strip_prefix("haskell-").unwrap_or(&input.package);
        let version = input.version.rsplit_once('-').map_or(input.version.as_str(), |(v, _)| v);
        offer(dir, &format!("{package}-{version}.tar.gz"), &std::fs::read(&cached)?)?;
    }
    Ok(dir.to_path_buf())
}

/// The hsc2hs package GHC 9.0.2 ships (utils/hsc2hs of the pinned GHC
/// source), as `hsc2hs-<version>.tar.gz`: `network` names it in
/// `build-tools`, which cabal-install 3.4 turns into a dependency on
/// Hackage's hsc2hs package, and Debian has no source package of its own
/// for it. cabal builds it as a build tool (with halvm-cabal an image that
/// is never run: halvm-cabal's `--with-hsc2hs` names the cross hsc2hs,
/// which Cabal prefers to a build tool's). The archive is made
/// reproducibly, so an unchanged tree gives the same bytes and cabal sees
/// nothing new.
fn offer_hsc2hs(sh: &Shell, layout: &Layout, repository: &Path) -> Result<()> {
    let manifest = Manifest::load(&layout.manifest())?;
    let ghc = crate::ghc_source::ensure(sh, layout, &manifest)?;
    let utils = ghc.join("utils");
    let cabal_file = std::fs::read_to_string(utils.join("hsc2hs/hsc2hs.cabal"))?;
    let version = cabal_file
        .lines()
        .find_map(|l| l.strip_prefix("Version:").map(str::trim))
        .context("utils/hsc2hs/hsc2hs.cabal has no Version field")?;
    let name = format!("hsc2hs-{version}");
    let tar = cmd!(
        sh,
        "tar -C {utils} --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --exclude=*.o
             --transform s,^hsc2hs,{name}, -cf - hsc2hs"
    )
    .quiet()
    .output()?
    .stdout;
    let gz = cmd!(sh, "gzip -n -9").stdin(tar).quiet().output()?.stdout;
    offer(repository, &format!("{name}.tar.gz"), &gz)
}

/// Puts one sdist into the no-index repository `dir`. cabal-install keeps
/// its own list of such a directory (`noindex.cache`) and reads the
/// directory again only without it: a new or changed sdist removes it.
fn offer(dir: &Path, file: &str, bytes: &[u8]) -> Result<()> {
    let dest = dir.join(file);
    if std::fs::read(&dest).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    write_if_changed(&dest, bytes)?;
    match std::fs::remove_file(dir.join("noindex.cache")) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// Mirrors the project's sources into `dest`, content-compared so that
/// unchanged files keep their times and cabal sees nothing new.
fn sync_project(src: &Path, dest: &Path) -> Result<()> {
    for path in files_under(src)? {
        crate::fsutil::copy_if_changed(&path, &dest.join(path.strip_prefix(src)?))?;
    }
    Ok(())
}

fn mtimes<'a>(paths: impl Iterator<Item = &'a PathBuf>) -> Result<Vec<SystemTime>> {
    paths
        .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).with_context(|| format!("reading {}", p.display())))
        .collect()
}

fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}
