//! The run's own initramfs: the test images, one xl configuration per case
//! and the plan tests/domu/init follows (its header describes the format).
//!
//! ```text
//! tests/plan                watchdog SECONDS / case NAME TIMEOUT [input] [action] [keep] [stall-store]
//! tests/NAME.cfg            halvm-run --xl-config's configuration for the case
//! tests/NAME.trigger        for a case with console input or a dom0 action:
//!                           what to wait for on the guest's console,
//! tests/NAME.input          and what to type then,
//! tests/NAME.action         or the shell commands dom0 runs then
//! tests/vif-host            the hotplug script of the guests' vifs (vif_script())
//! tests/COMPANION.cfg       a case's companion guest: configured like a case,
//!                           but started by the case's dom0 action (`xl create`)
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
    /// Commands dom0 runs once the guest's console shows a trigger.
    pub action: Option<Action>,
    /// Keep the domain after it shuts down (xl's `on_poweroff` and
    /// `on_crash` = "preserve": with "destroy" its XenStore directory goes
    /// with it), so that dom0 can read the exit status the guest recorded
    /// there; dom0 destroys it after that.
    pub keep_after_shutdown: bool,
    /// dom0 stops xenstored just before typing the case's input and lets
    /// it go on a few seconds later: the guest's exit must not wait for
    /// the store longer than rts-xen's bound.
    pub stall_store: bool,
    /// A network interface (netfront), as xl's vif settings (e.g.
    /// `mac=...`); its dom0 side is set up by vif_script().
    pub vif: Option<String>,
    /// A boot module for the guest (xl's `ramdisk =`): a file tree as a
    /// tar archive, which a PVH guest receives in its start info.
    pub ramdisk: Option<PathBuf>,
    /// A second guest for the case's dom0 action to start beside this one
    /// (`xl create /tests/NAME.cfg`, NAME the companion's): its
    /// configuration and image go into the archive like a case's, but it
    /// gets no plan line. Its own input, action and companion are ignored.
    pub companion: Option<Box<Guest>>,
}

#[derive(Debug, Clone)]
pub struct Input {
    pub trigger: String,
    pub text: String,
}

/// Shell commands (busybox sh) dom0 runs while the guest runs, once its
/// console shows `trigger`, with `$name` and `$domid` set to the guest's;
/// their output goes into the case's xl log. Each command must bound its
/// own time (`timeout`): /init waits for the action to end.
#[derive(Debug, Clone)]
pub struct Action {
    pub trigger: String,
    pub script: String,
}

/// dom0's address on every guest's vif (a /24 of its own per vif
/// would be needed for two guests at once; the cases run one by one).
pub const DOM0_VIF_ADDRESS: &str = "10.10.0.1/24";
/// The one address dom0's DHCP server leases on a vif.
pub const GUEST_VIF_ADDRESS: &str = "10.10.0.2";
/// Where the hotplug script is in dom0.
pub const VIF_SCRIPT_PATH: &str = "/tests/vif-host";
/// The vifs' hotplug script, run by libxl in dom0 (argument `online` or
/// `offline`; `$vif` names the backend's interface, `$XENBUS_PATH` its
/// XenStore directory): instead of xl's vif-bridge (which needs a bridge
/// and Xen's script library) it gives the interface dom0's address, a
/// point-to-point link to the guest, and starts busybox's DHCP server on
/// it (leasing GUEST_VIF_ADDRESS, dom0 as router and DNS) for the guests
/// that ask (a static guest never does). Linux's netback only reports
/// Connected once the script wrote `hotplug-status`.
pub fn vif_script() -> String {
    let dom0 = DOM0_VIF_ADDRESS.split('/').next().unwrap();
    format!(r#"#!/bin/busybox sh
dev=${{vif:-vif$(echo "$XENBUS_PATH" | cut -d/ -f3).$(echo "$XENBUS_PATH" | cut -d/ -f4)}}
case "$1" in
online|add)
    ip link set "$dev" up || exit 1
    ip addr add {DOM0_VIF_ADDRESS} dev "$dev" || exit 1
    printf 'interface %s\nstart {GUEST_VIF_ADDRESS}\nend {GUEST_VIF_ADDRESS}\noption subnet 255.255.255.0\noption router {dom0}\noption dns {dom0}\nlease_file /tmp/udhcpd-%s.leases\npidfile /tmp/udhcpd-%s.pid\n'         "$dev" "$dev" "$dev" > "/tmp/udhcpd-$dev.conf"
    touch "/tmp/udhcpd-$dev.leases"
    udhcpd "/tmp/udhcpd-$dev.conf" || exit 1
    xenstore-write "$XENBUS_PATH/hotplug-status" connected || exit 1
    ;;
offline|remove)
    [ -f "/tmp/udhcpd-$dev.pid" ] && kill "$(cat "/tmp/udhcpd-$dev.pid")"
    ;;
esac
exit 0
"#)
}

/// Time for dom0 to start its tools, on top of the cases' own limits.
pub const DOM0_START_S: u64 = 120;

impl Guest {
    /// A guest with no input, action, vif, ramdisk or companion, destroyed
    /// when it ends: what most cases are; the others set those fields.
    pub fn new(name: &str, image: PathBuf, cmdline: &str, memory_mib: u64, timeout_s: u64) -> Guest {
        Guest {
            name: name.into(),
            image,
            cmdline: cmdline.into(),
            memory_mib,
            timeout_s,
            input: None,
            action: None,
            keep_after_shutdown: false,
            stall_store: false,
            vif: None,
            ramdisk: None,
            companion: None,
        }
    }

    /// Where the image is inside dom0; xl names the domain after the file.
    pub fn path_in_dom0(&self) -> String {
        format!("/tests/images/{}.xen", self.name)
    }

    /// Where the case's boot module is in dom0.
    pub fn ramdisk_in_dom0(&self) -> String {
        format!("/tests/ramdisks/{}.tar", self.name)
    }

    /// The case's xl configuration: exactly what `halvm-run --xl-config`
    /// prints for the image at its place in dom0, except that a kept guest
    /// is preserved instead of destroyed when it powers off or crashes.
    pub fn xl_config(&self) -> String {
        let ramdisk = self.ramdisk.as_ref().map(|_| self.ramdisk_in_dom0());
        let mut config = halvm_tools::run::xl_config_with_files(Path::new(&self.path_in_dom0()), self.memory_mib,
                                                                 &self.cmdline, ramdisk.as_deref().map(Path::new));
        if let Some(vif) = &self.vif {
            config.push_str(&format!("vif = [ '{vif},script={VIF_SCRIPT_PATH}' ]\n"));
        }
        if !self.keep_after_shutdown {
            return config;
        }
        config
            .lines()
            .map(|line| match line {
                "on_poweroff = \"destroy\"" => "on_poweroff = \"preserve\"",
                "on_crash = \"destroy\"" => "on_crash = \"preserve\"",
                other => other,
            })
            .fold(String::new(), |text, line| text + line + "\n")
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
        let input = if guest.input.is_some() { " input" } else { "" };
        let action = if guest.action.is_some() { " action" } else { "" };
        if guest.input.is_some() && guest.action.is_some() {
            bail!("case {}: console input and a dom0 action cannot share the trigger", guest.name);
        }
        if let Some(companion) = &guest.companion {
            check_name(&companion.name)?;
            if !seen.insert(&companion.name) {
                bail!("two cases are called {}", companion.name);
            }
            if guest.action.is_none() {
                bail!("case {}: only a dom0 action starts the companion {}", guest.name, companion.name);
            }
        }
        let keep = if guest.keep_after_shutdown { " keep" } else { "" };
        let stall = if guest.stall_store { " stall-store" } else { "" };
        if guest.stall_store && (guest.input.is_none() || guest.keep_after_shutdown) {
            bail!("case {}: stalling the store needs console input to time it, and cannot keep the guest \
                   (its key is written late)", guest.name);
        }
        text.push_str(&format!("case {} {}{input}{action}{keep}{stall}\n", guest.name, guest.timeout_s));
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
    for dir in ["tests/files", "tests/images", "tests/ramdisks"] {
        tree.insert(dir.into(), Node::Dir);
    }
    tree.insert("tests/plan".into(), Node::File { mode: 0o644, data: plan_text(guests)?.into_bytes() });
    if guests.iter().any(|g| g.vif.is_some()) {
        tree.insert(VIF_SCRIPT_PATH.trim_start_matches('/').into(),
                    Node::File { mode: 0o755, data: vif_script().into_bytes() });
    }
    let mut files: BTreeMap<String, &Path> = BTreeMap::new();
    // Cases and companions alike get a configuration and an image.
    let members = guests.iter().chain(guests.iter().filter_map(|g| g.companion.as_deref()));
    for guest in members {
        if guest.vif.as_ref().is_some_and(|v| v.contains(['\'', '\n', '"'])) {
            bail!("case {}: the vif settings cannot hold quotes or newlines", guest.name);
        }
        let file = guest.image.file_name().context("an image path without a file name")?.to_string_lossy().into_owned();
        if files.insert(file.clone(), &guest.image).is_some_and(|other| other != guest.image) {
            bail!("two different images are called {file}");
        }
        tree.insert(format!("tests/{}.cfg", guest.name), Node::File { mode: 0o644, data: guest.xl_config().into_bytes() });
        tree.insert(format!("tests/images/{}.xen", guest.name), Node::Symlink(format!("../files/{file}")));
        if let Some(ramdisk) = &guest.ramdisk {
            let data = std::fs::read(ramdisk).with_context(|| format!("reading the boot module {}", ramdisk.display()))?;
            tree.insert(format!("tests/ramdisks/{}.tar", guest.name), Node::File { mode: 0o644, data });
        }
    }
    for guest in guests {
        let file = |data: &str| Node::File { mode: 0o644, data: data.as_bytes().to_vec() };
        if let Some(input) = &guest.input {
            if input.trigger.is_empty() || input.trigger.contains('\n') {
                bail!("case {}: the input's trigger must be one non-empty line", guest.name);
            }
            tree.insert(format!("tests/{}.trigger", guest.name), file(&input.trigger));
            tree.insert(format!("tests/{}.input", guest.name), file(&input.text));
        }
        if let Some(action) = &guest.action {
            if action.trigger.is_empty() || action.trigger.contains('\n') {
                bail!("case {}: the action's trigger must be one non-empty line", guest.name);
            }
            tree.insert(format!("tests/{}.trigger", guest.name), file(&action.trigger));
            tree.insert(format!("tests/{}.action", guest.name), file(&action.script));
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
        Guest::new(name, image.into(), "42 'two words'", 48, 30)
    }

    #[test]
    fn a_guest_with_a_boot_module_gets_it_as_ramdisk_and_the_archive_carries_it() {
        let tmp = tempfile::tempdir().unwrap();
        let image = tmp.path().join("Files.xen");
        std::fs::write(&image, b"ELF").unwrap();
        let tar = tmp.path().join("tree.tar");
        std::fs::write(&tar, b"TAR").unwrap();
        assert!(!guest("plain", &image).xl_config().contains("ramdisk"));
        let with = Guest { ramdisk: Some(tar), ..guest("files", &image) };
        let c = with.xl_config();
        assert!(c.lines().any(|l| l == "ramdisk = \"/tests/ramdisks/files.tar\""), "{c}");
        let tree = run_tree(&[with]).unwrap();
        assert_eq!(tree["tests/ramdisks/files.tar"], Node::File { mode: 0o644, data: b"TAR".to_vec() });
    }

    #[test]
    fn a_guest_with_a_vif_gets_it_in_its_configuration_and_dom0_the_hotplug_script() {
        let tmp = tempfile::tempdir().unwrap();
        let image = tmp.path().join("net_echo");
        std::fs::write(&image, b"ELF").unwrap();
        let plain = guest("plain", &image);
        assert!(!plain.xl_config().contains("vif"));
        assert!(!run_tree(&[plain.clone()]).unwrap().contains_key("tests/vif-host"));
        let net = Guest { vif: Some("mac=00:16:3e:0a:0a:02".into()), ..guest("net", &image) };
        let c = net.xl_config();
        assert!(c.lines().any(|l| l == "vif = [ 'mac=00:16:3e:0a:0a:02,script=/tests/vif-host' ]"), "{c}");
        let tree = run_tree(&[plain, net.clone()]).unwrap();
        let Node::File { mode, data } = &tree["tests/vif-host"] else { panic!("no script") };
        assert_eq!(*mode, 0o755);
        let script = String::from_utf8(data.clone()).unwrap();
        assert!(script.contains(&format!("ip addr add {DOM0_VIF_ADDRESS} dev")), "{script}");
        assert!(script.contains("hotplug-status\" connected"), "{script}");
        assert!(script.contains("start 10.10.0.2") && script.contains("udhcpd \"/tmp/udhcpd-$dev.conf\""), "{script}");
        let quoted = Guest { vif: Some("mac='x'".into()), ..net };
        assert!(run_tree(&[quoted]).unwrap_err().to_string().contains("quotes"));
    }

    #[test]
    fn the_vif_script_is_valid_sh() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("vif-host");
        std::fs::write(&path, vif_script()).unwrap();
        let status = std::process::Command::new("sh").arg("-n").arg(&path).status().unwrap();
        assert!(status.success(), "sh -n rejects:\n{}", vif_script());
    }

    #[test]
    fn the_plan_lists_the_cases_in_order_under_a_watchdog_covering_them_all() {
        let image = Path::new("/x/basic");
        let mut echo = guest("echo", image);
        echo.input = Some(Input { trigger: "ready".into(), text: "x\r".into() });
        let kept = Guest { keep_after_shutdown: true, ..guest("basic-exit-0", image) };
        let stalled = Guest { name: "stalled".into(), stall_store: true, ..echo.clone() };
        let plan = plan_text(&[kept, guest("Hello", image), echo, stalled]).unwrap();
        let lines: Vec<&str> = plan.lines().collect();
        assert_eq!(lines[1..], ["case basic-exit-0 30 keep", "case Hello 30", "case echo 30 input",
                                "case stalled 30 input stall-store"]);
        let watchdog: u64 = lines[0].strip_prefix("watchdog ").unwrap().parse().unwrap();
        assert!(watchdog >= 90 + DOM0_START_S, "{watchdog}");
    }

    #[test]
    fn stalling_the_store_needs_input_and_a_guest_not_kept() {
        let stalled = Guest { stall_store: true, ..guest("stalled", Path::new("/x/echo")) };
        assert!(plan_text(&[stalled.clone()]).unwrap_err().to_string().contains("needs console input"));
        let input = Some(Input { trigger: "ready".into(), text: "x\r".into() });
        let kept = Guest { keep_after_shutdown: true, input, ..stalled };
        assert!(plan_text(&[kept]).unwrap_err().to_string().contains("cannot keep"));
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
    fn a_kept_guest_is_preserved_when_it_shuts_down_and_otherwise_configured_alike() {
        let plain = guest("basic-exit-1", Path::new("/x/basic"));
        let kept = Guest { keep_after_shutdown: true, ..plain.clone() }.xl_config();
        for line in ["on_poweroff = \"preserve\"", "on_crash = \"preserve\"", "on_reboot = \"destroy\""] {
            assert!(kept.lines().any(|l| l == line), "no line {line:?} in:\n{kept}");
        }
        let plain = plain.xl_config();
        let differing: Vec<(&str, &str)> = plain.lines().zip(kept.lines()).filter(|(a, b)| a != b).collect();
        assert_eq!(differing.len(), 2, "only on_poweroff and on_crash change: {differing:?}");
        assert_eq!(plain.lines().count(), kept.lines().count());
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
    fn a_dom0_action_gets_its_trigger_and_script_and_excludes_input() {
        let tmp = tempfile::tempdir().unwrap();
        let image = tmp.path().join("shutdown");
        std::fs::write(&image, b"ELF").unwrap();
        let mut guest = guest("shutdown-honour", &image);
        guest.action = Some(Action { trigger: "shutdown: waiting".into(), script: "xl shutdown \"$name\"\n".into() });
        let tree = run_tree(&[guest.clone()]).unwrap();
        assert_eq!(tree["tests/shutdown-honour.trigger"], Node::File { mode: 0o644, data: b"shutdown: waiting".to_vec() });
        assert_eq!(tree["tests/shutdown-honour.action"],
                   Node::File { mode: 0o644, data: b"xl shutdown \"$name\"\n".to_vec() });
        assert_eq!(plan_text(&[guest.clone()]).unwrap().lines().nth(1), Some("case shutdown-honour 30 action"));
        guest.input = Some(Input { trigger: "x".into(), text: "y".into() });
        assert!(plan_text(&[guest]).unwrap_err().to_string().contains("cannot share the trigger"));
    }

    #[test]
    fn a_companion_gets_a_configuration_and_image_but_no_plan_line() {
        let tmp = tempfile::tempdir().unwrap();
        let (offer, take) = (tmp.path().join("GrantOffer.xen"), tmp.path().join("GrantTake.xen"));
        std::fs::write(&offer, b"OFFER").unwrap();
        std::fs::write(&take, b"TAKE").unwrap();
        let mut main = guest("offer", &offer);
        main.action = Some(Action { trigger: "waiting".into(), script: "xl create /tests/take.cfg\n".into() });
        main.companion = Some(Box::new(guest("take", &take)));
        let tree = run_tree(&[main.clone()]).unwrap();
        assert_eq!(tree["tests/files/GrantTake.xen"], Node::File { mode: 0o644, data: b"TAKE".to_vec() });
        assert_eq!(tree["tests/images/take.xen"], Node::Symlink("../files/GrantTake.xen".into()));
        assert!(matches!(&tree["tests/take.cfg"], Node::File { data, .. }
                         if String::from_utf8_lossy(data).contains("name = \"take\"")));
        assert!(!plan_text(&[main.clone()]).unwrap().contains("case take"));
        let clash = Guest { name: "take".into(), ..guest("x", &offer) };
        assert!(plan_text(&[main.clone(), clash]).unwrap_err().to_string().contains("two cases are called take"));
        let no_action = Guest { action: None, ..main };
        assert!(plan_text(&[no_action]).unwrap_err().to_string().contains("only a dom0 action starts"));
    }

    #[test]
    fn a_missing_image_is_named() {
        let err = format!("{:#}", run_tree(&[guest("a", Path::new("/nonexistent/basic"))]).unwrap_err());
        assert!(err.contains("/nonexistent/basic"), "{err}");
    }
}
