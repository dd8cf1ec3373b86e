//! The run's own initramfs: the test images, one xl configuration per case
//! and the plan tests/domu/init follows (its header describes the format).
//!
//! ```text
//! tests/plan                watchdog SECONDS / case NAME TIMEOUT ...
//! tests/NAME.cfg            halvm-run --xl-config's configuration for the case
//! tests/NAME.trigger        for a case with console input: what to wait for,
//! tests/NAME.input          and what to type then
//! tests/files/IMAGE         each image once
//! tests/images/NAME.xen     -> ../files/IMAGE (xl names the domain after it)
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::dom0::{Node, Tree};

/// One guest to create: an image with a command line and memory, and how
/// long it may run.
#[derive(Debug, Clone)]
pub struct Guest {
    /// The domain's name, also the case's: letters, digits, `-` and `_`.
    pub name: String,
    pub image: PathBuf,
    /// The guest's command line, exactly as the guest sees it.
    pub cmdline: String,
    pub memory_mib: u64,
    pub timeout_s: u64,
    /// Console input to type once the guest's console shows a trigger.
    pub input: Option<Input>,
}

#[derive(Debug, Clone)]
pub struct Input {
    pub trigger: String,
    pub text: String,
}

/// Time for dom0 to start its tools, on top of the cases' own limits.
pub const DOM0_START_S: u64 = 120;

impl Guest {
    /// Where the image is inside dom0; xl names the domain after the file.
    pub fn path_in_dom0(&self) -> String {
        format!("/tests/images/{}.xen", self.name)
    }

    /// The case's xl configuration: exactly what `halvm-run --xl-config`
    /// prints for the image at its place in dom0.
    pub fn xl_config(&self) -> String {
        halvm_tools::run::xl_config(Path::new(&self.path_in_dom0()), self.memory_mib, &self.cmdline)
    }
}

/// Refuses names xl would change or /init could not carry in a word.
fn check_name(name: &str) -> Result<()> {
    let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !plain || name.bytes().all(|b| b.is_ascii_digit()) {
        bail!("case name {name:?}: use letters, digits, `-` and `_` (not digits only), so that it is the domain's name");
    }
    Ok(())
}

/// /init's plan: the watchdog's bound, then the cases in order.
pub fn plan_text(guests: &[Guest]) -> Result<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut text = format!("watchdog {}\n", watchdog_s(guests));
    for guest in guests {
        check_name(&guest.name)?;
        if !seen.insert(&guest.name) {
            bail!("two cases are called {}", guest.name);
        }
        let mode = if guest.input.is_some() { " input" } else { "" };
        text.push_str(&format!("case {} {}{mode}\n", guest.name, guest.timeout_s));
    }
    Ok(text)
}

/// The most the whole run may take inside dom0: every case's limit, a few
/// seconds per case for xl itself, and dom0's start.
pub fn watchdog_s(guests: &[Guest]) -> u64 {
    guests.iter().map(|g| g.timeout_s + 5).sum::<u64>() + DOM0_START_S
}

/// The run's archive contents: plan, configurations and images.
pub fn run_tree(guests: &[Guest]) -> Result<Tree> {
    let mut tree = Tree::new();
    tree.insert("tests".into(), Node::Dir);
    for dir in ["tests/files", "tests/images"] {
        tree.insert(dir.into(), Node::Dir);
    }
    tree.insert("tests/plan".into(), Node::File { mode: 0o644, data: plan_text(guests)?.into_bytes() });
    let mut files: BTreeMap<String, &Path> = BTreeMap::new();
    for guest in guests {
        let file = guest.image.file_name().context("an image path without a file name")?.to_string_lossy().into_owned();
        if files.insert(file.clone(), &guest.image).is_some_and(|other| other != guest.image) {
            bail!("two different images are called {file}");
        }
        tree.insert(format!("tests/{}.cfg", guest.name), Node::File { mode: 0o644, data: guest.xl_config().into_bytes() });
        tree.insert(format!("tests/images/{}.xen", guest.name), Node::Symlink(format!("../files/{file}")));
        if let Some(input) = &guest.input {
            if input.trigger.is_empty() || input.trigger.contains('\n') {
                bail!("case {}: the input's trigger must be one non-empty line", guest.name);
            }
            let file = |data: &str| Node::File { mode: 0o644, data: data.as_bytes().to_vec() };
            tree.insert(format!("tests/{}.trigger", guest.name), file(&input.trigger));
            tree.insert(format!("tests/{}.input", guest.name), file(&input.text));
        }
    }
    for (file, path) in files {
        let data = std::fs::read(path).with_context(|| format!("reading the test image {}", path.display()))?;
        tree.insert(format!("tests/files/{file}"), Node::File { mode: 0o644, data });
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guest(name: &str, image: &Path) -> Guest {
        Guest { name: name.into(), image: image.into(), cmdline: "42 'two words'".into(), memory_mib: 48, timeout_s: 30,
                input: None }
    }

    #[test]
    fn the_plan_lists_the_cases_in_order_under_a_watchdog_covering_them_all() {
        let image = Path::new("/x/basic");
        let mut echo = guest("echo", image);
        echo.input = Some(Input { trigger: "ready".into(), text: "x\r".into() });
        let plan = plan_text(&[guest("basic-exit-0", image), guest("Hello", image), echo]).unwrap();
        let lines: Vec<&str> = plan.lines().collect();
        assert_eq!(lines[1..], ["case basic-exit-0 30", "case Hello 30", "case echo 30 input"]);
        let watchdog: u64 = lines[0].strip_prefix("watchdog ").unwrap().parse().unwrap();
        assert!(watchdog >= 90 + DOM0_START_S, "{watchdog}");
    }

    #[test]
    fn names_must_be_domain_names_and_unique() {
        let image = Path::new("/x/basic");
        for bad in ["two words", "a.b", "", "123"] {
            let err = plan_text(&[guest(bad, image)]).unwrap_err().to_string();
            assert!(err.contains("case name"), "{bad:?}: {err}");
        }
        let err = plan_text(&[guest("a", image), guest("a", image)]).unwrap_err().to_string();
        assert!(err.contains("two cases are called a"), "{err}");
    }

    #[test]
    fn the_configuration_is_a_pvh_guest_named_after_the_case() {
        let c = guest("basic-args", Path::new("/x/basic")).xl_config();
        for line in ["name = \"basic-args\"", "type = \"pvh\"", "kernel = \"/tests/images/basic-args.xen\"",
                     "memory = 48", "cmdline = \"42 'two words'\"", "on_poweroff = \"destroy\"",
                     "on_crash = \"destroy\"", "on_reboot = \"destroy\""] {
            assert!(c.lines().any(|l| l == line), "no line {line:?} in:\n{c}");
        }
    }

    #[test]
    fn each_image_is_stored_once_and_linked_per_case() {
        let tmp = tempfile::tempdir().unwrap();
        let image = tmp.path().join("basic");
        std::fs::write(&image, b"ELF").unwrap();
        let tree = run_tree(&[guest("exit-0", &image), guest("exit-1", &image)]).unwrap();
        assert_eq!(tree["tests/files/basic"], Node::File { mode: 0o644, data: b"ELF".to_vec() });
        assert_eq!(tree["tests/images/exit-1.xen"], Node::Symlink("../files/basic".into()));
        assert!(matches!(&tree["tests/exit-0.cfg"], Node::File { data, .. } if data.starts_with(b"# xl configuration")));
        assert_eq!(tree.keys().filter(|k| k.starts_with("tests/files/")).count(), 1);
    }

    #[test]
    fn console_input_gets_its_trigger_and_text() {
        let tmp = tempfile::tempdir().unwrap();
        let image = tmp.path().join("echo");
        std::fs::write(&image, b"ELF").unwrap();
        let mut echo = guest("echo-input", &image);
        echo.input = Some(Input { trigger: "echo: ready".into(), text: "typed line\r".into() });
        let tree = run_tree(&[echo.clone()]).unwrap();
        assert_eq!(tree["tests/echo-input.trigger"], Node::File { mode: 0o644, data: b"echo: ready".to_vec() });
        assert_eq!(tree["tests/echo-input.input"], Node::File { mode: 0o644, data: b"typed line\r".to_vec() });
        echo.input = Some(Input { trigger: "two\nlines".into(), text: "x".into() });
        assert!(run_tree(&[echo]).unwrap_err().to_string().contains("one non-empty line"));
    }

    #[test]
    fn a_missing_image_is_named() {
        let err = format!("{:#}", run_tree(&[guest("a", Path::new("/nonexistent/basic"))]).unwrap_err());
        assert!(err.contains("/nonexistent/basic"), "{err}");
    }
}
