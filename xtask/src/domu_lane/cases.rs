//! The domU lane's cases and what each must show: the xen lane's checks
//! (tests/boot/src/lib.rs, tests/ghc/src/lib.rs) where they apply to an
//! ordinary guest, plus how xl saw the guest end.
//!
//! Left out, and why: the over-long and 4.5 KiB command lines (they test
//! QEMU's and Xen's dom0 loaders), memory above 4 GiB (the test machine has
//! 1 GiB), the entropy image on other CPU models (the guest gets Xen's
//! model, not QEMU's) and console arrival times (xenconsoled's log has
//! none: `time` is checked on the guest's own clock, `Delay` by its own
//! "not early" line only).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use halvm_bootkit::{status, EXIT_LINE_PREFIX};

use super::plan::{Action, Guest, Input};

/// A case: the guest to create and what it must show.
pub struct Case {
    pub guest: Guest,
    pub check: Check,
}

pub enum Check {
    /// Assertions on the guest's console and ending.
    Assert(fn(&Ended) -> Result<(), String>),
    /// A Haskell program: its console and exit status must equal those of
    /// its Linux build (`linux`, run with `args`), and contain `lines`.
    /// The Linux build runs in `linux_dir` (its own directory, or the
    /// files tree for the file-system programs).
    Haskell { linux: PathBuf, linux_dir: PathBuf, args: Vec<String>, lines: &'static [&'static str] },
    /// A guest that never ends by itself: it must be destroyed at its time
    /// limit after printing `ready`, and the run must go on.
    Hangs { ready: &'static str },
}

/// How a guest ended, as the checks see it.
pub struct Ended<'a> {
    /// The guest's console, as xenconsoled logged it.
    pub console: &'a [String],
    /// xl's output, with that of the case's dom0 action or input.
    pub xl_log: &'a [String],
    /// xl's reason code.
    pub reason: Option<u8>,
    /// For a kept guest, the value dom0 read from its XenStore key
    /// data/halvm/exit-status (`none` when the read failed).
    pub exit_status_key: Option<&'a str>,
    /// The host's clock (seconds since 1970) when QEMU started and ended.
    pub host_window: (u64, u64),
}

/// Where rts-xen records an ordinary domain's exit status (rts-xen/src/xen/store.rs),
/// relative to the domain's /local/domain/<domid>/.
pub const STATUS_KEY: &str = "data/halvm/exit-status";

/// SCHEDOP_shutdown's reasons as xl reports them (xen/sched.h).
const POWEROFF: u8 = 0;
const REBOOT: u8 = 1;
const CRASH: u8 = 3;
/// rts-xen's grace period after a shutdown request (rts-xen/src/xen/control.rs).
const GRACE_PERIOD_S: u64 = 5;

impl Ended<'_> {
    /// The first console line containing `needle`.
    pub fn line(&self, needle: &str) -> Result<&str, String> {
        self.console
            .iter()
            .find(|l| l.contains(needle))
            .map(String::as_str)
            .ok_or_else(|| format!("no console line contains {needle:?}"))
    }

    /// The word after `prefix` on the console, parsed.
    pub fn value<T: FromStr>(&self, prefix: &str) -> Result<T, String> {
        let line = self.line(prefix)?;
        let rest = line[line.find(prefix).unwrap() + prefix.len()..].trim();
        let word = rest.split_whitespace().next().unwrap_or("");
        word.parse().map_err(|_| format!("{prefix:?} is followed by {rest:?}, not a value"))
    }

    /// The status on rts-xen's final line `halvm: exit status N`.
    pub fn final_status(&self) -> Option<u8> {
        self.console.iter().rev().find_map(|l| l[l.find(EXIT_LINE_PREFIX)? + EXIT_LINE_PREFIX.len()..].trim().parse().ok())
    }

    /// The guest exited with `status`: its final console line says so, xl
    /// saw it shut down with reason poweroff for 0, crash otherwise, and,
    /// where dom0 read it (kept guests), the guest's XenStore key says so.
    pub fn exit(&self, status: u8) -> Result<(), String> {
        match self.final_status() {
            Some(s) if s == status => {}
            Some(s) => return Err(format!("expected exit status {status}, the console's final line says {s}")),
            None => return Err(format!("expected exit status {status}, but no console line says `{EXIT_LINE_PREFIX}N`")),
        }
        let (want, word) = if status == 0 { (POWEROFF, "poweroff") } else { (CRASH, "crash") };
        match self.reason {
            Some(r) if r == want => {}
            Some(r) => return Err(format!("xl reports reason code {r}, expected {want} ({word}) for exit status {status}")),
            None => return Err(format!("xl reports no reason code, expected {want} ({word}) for exit status {status}")),
        }
        match self.exit_status_key {
            None => Ok(()),
            Some(v) if v == status.to_string() => Ok(()),
            Some("none") => Err(format!("dom0 could not read the guest's XenStore key {STATUS_KEY} (xl's output says why)")),
            Some(v) => Err(format!("the guest's XenStore key {STATUS_KEY} holds {v:?}, expected {status}")),
        }
    }

    /// The guest exited with `status` after a shutdown request: the final
    /// line says so, xl saw the `reason` the toolstack asked for (whatever
    /// the status), and a kept guest's XenStore key holds the status.
    pub fn exit_on_request(&self, status: u8, reason: u8) -> Result<(), String> {
        if self.final_status() != Some(status) {
            return Err(format!("expected exit status {status}, the final line says {:?}", self.final_status()));
        }
        if self.reason != Some(reason) {
            return Err(format!("xl reports reason code {:?}, expected {reason} (the one requested)", self.reason));
        }
        match self.exit_status_key {
            None => Ok(()),
            Some(v) if v == status.to_string() => Ok(()),
            Some(v) => Err(format!("the guest's XenStore key {STATUS_KEY} holds {v:?}, expected {status}")),
        }
    }

    /// The first line of xl's log (or the dom0 action's) containing `needle`.
    pub fn xl_line(&self, needle: &str) -> Result<&str, String> {
        self.xl_log
            .iter()
            .find(|l| l.contains(needle))
            .map(String::as_str)
            .ok_or_else(|| format!("no line of xl's log or the dom0 action contains {needle:?}"))
    }

    /// dom0's `xl shutdown` or `xl reboot` (XL_SHUTDOWN, XL_REBOOT) ran and
    /// exited 0 — or 134: xl 4.17 sometimes aborts ("malloc(): corrupted
    /// top size", SIGABRT) when the domain it asked ends, and is destroyed,
    /// while it is still at work, after the request was delivered. That
    /// the guest got the request is shown by its own lines and the reason
    /// code, which every caller checks too; any other status fails.
    pub fn xl_request_ran(&self, verb: &str) -> Result<(), String> {
        let line = self.xl_line(&format!("action: xl {verb} exited "))?;
        match line.rsplit(' ').next() {
            Some("0") | Some("134") => Ok(()),
            _ => Err(format!("dom0's xl {verb} failed: {line:?}")),
        }
    }

    /// The guest's own lines: up to rts-xen's final status line.
    pub fn program_lines(&self) -> Vec<String> {
        self.console.iter().take_while(|l| !l.starts_with(EXIT_LINE_PREFIX)).cloned().collect()
    }
}

fn freestanding(dir: &Path, name: &str, image: &str, cmdline: &str, memory_mib: u64,
                check: fn(&Ended) -> Result<(), String>) -> Case {
    Case { guest: Guest::new(name, dir.join(image), cmdline, memory_mib, 30), check: Check::Assert(check) }
}

/// The case, with its guest kept after it shuts down so that dom0 reads
/// the exit status the guest recorded in XenStore.
fn kept(case: Case) -> Case {
    Case { guest: Guest { keep_after_shutdown: true, ..case.guest }, ..case }
}

/// The case, with dom0 running `script` once the guest prints `trigger`.
fn with_action(case: Case, trigger: &str, script: &str) -> Case {
    let action = Some(Action { trigger: trigger.into(), script: script.into() });
    Case { guest: Guest { action, ..case.guest }, ..case }
}

/// The case, with a companion guest its dom0 action starts.
fn with_companion(case: Case, companion: Guest) -> Case {
    Case { guest: Guest { companion: Some(Box::new(companion)), ..case.guest }, ..case }
}

/// The companion of the grant exchange (tests/haskell-xen/GrantTake.hs).
const GRANT_TAKER: &str = "haskell-grant-take";
/// How the companion's console lines appear in the case's xl log.
const PEER_PREFIX: &str = "peer| ";

/// dom0's side of the two-guest exchange: start the companion `peer`, tell
/// each guest the other's domain id (in its own data/), wait a bounded
/// time for the companion to end (its configuration destroys it when it
/// powers off), and copy its console log, each line prefixed PEER_PREFIX.
fn grant_exchange_dom0(peer: &str) -> String {
    format!("\
peer={peer}
timeout -k 5 30 xl create \"/tests/$peer.cfg\" < /dev/null; echo \"action: xl create $peer exited $?\"
peerid=$(timeout -k 5 10 xl domid \"$peer\" < /dev/null) && echo \"dom0: $peer is domain $peerid\"
timeout -k 5 10 xenstore-write \"/local/domain/$peerid/data/offerer\" \"$domid\" && echo \"dom0: wrote $peer's data/offerer\"
timeout -k 5 10 xenstore-write \"/local/domain/$domid/data/peer\" \"$peerid\" && echo \"dom0: wrote $name's data/peer\"
i=0
while timeout -k 5 10 xl domid \"$peer\" < /dev/null > /dev/null 2>&1; do
    if [ $i -ge 120 ]; then
        echo \"action: $peer still runs after 60 s; destroying it\"
        timeout -k 5 30 xl destroy \"$peer\" < /dev/null
        break
    fi
    sleep 0.5; i=$((i + 1))
done
echo \"action: $peer ended\"
sleep 0.2
sed 's/^/{PEER_PREFIX}/' \"/var/log/xen/console/guest-$peer.log\"
")
}

/// What dom0 runs for the shutdown cases (xl returns once the request is
/// written; the guest's end is `xl create -F`'s to see).
const XL_SHUTDOWN: &str = "timeout -k 5 20 xl shutdown \"$name\"; echo \"action: xl shutdown exited $?\"\n";
const XL_REBOOT: &str = "timeout -k 5 20 xl reboot \"$name\"; echo \"action: xl reboot exited $?\"\n";
/// dom0's side of the xenstore case: read what the guest wrote, then
/// write the key the guest watches.
const XENSTORE_DOM0: &str = "\
dir=/local/domain/$domid/data/halvm
value=$(timeout -k 5 10 xenstore-read \"$dir/test\") && echo \"dom0: data/halvm/test = $value\"
timeout -k 5 10 xenstore-write \"$dir/poke\" world && echo \"dom0: wrote data/halvm/poke\"
";

/// dom0's side of the halvm-xen StoreTalk program: read its greeting,
/// write the key it watches, then change the counter while the guest's
/// transaction holds a snapshot of it (the guest says so in data/halvm/phase).
const STORE_TALK_DOM0: &str = "\
dir=/local/domain/$domid/data/halvm
value=$(timeout -k 5 10 xenstore-read \"$dir/greeting\") && echo \"dom0: greeting = $value\"
timeout -k 5 10 xenstore-write \"$dir/poke\" hello-haskell && echo \"dom0: wrote data/halvm/poke\"
i=0
while [ \"$(timeout -k 5 10 xenstore-read \"$dir/phase\" 2>/dev/null)\" != in-transaction ] && [ $i -lt 200 ]; do
    sleep 0.1; i=$((i + 1))
done
timeout -k 5 10 xenstore-write \"$dir/counter\" 100 && echo \"dom0: wrote counter 100\"
";

/// The vchan dom0 serves for the vchan-client case (dom0's own XenStore
/// area; libxenvchan gives the guest read access to its keys).
const VCHAN_DOM0_PATH: &str = "/local/domain/0/data/vchan-halvm";

/// dom0's side of a vchan case: Xen's vchan-socket-proxy in `mode` on the
/// vchan at `path` with the guest, its stdin 1 MiB of random bytes (kept
/// open through a FIFO: the proxy stops at its input's end) and its
/// stdout what the guest echoed; it ends when the guest closes, which it
/// does after all its bytes were read.
fn vchan_dom0(mode: &str, path: &str) -> String {
    format!("\
head -c 1048576 /dev/urandom > /tmp/vchan-in
rm -f /tmp/vchan-fifo /tmp/vchan-out; mkfifo /tmp/vchan-fifo
timeout -k 5 60 vchan-socket-proxy -m {mode} \"$domid\" \"{path}\" - < /tmp/vchan-fifo > /tmp/vchan-out &
proxy=$!
exec 3> /tmp/vchan-fifo
cat /tmp/vchan-in >&3
wait $proxy; echo \"action: vchan-socket-proxy exited $?\"
exec 3>&-
size=$(wc -c < /tmp/vchan-out)
if cmp -s /tmp/vchan-in /tmp/vchan-out; then echo \"dom0: vchan echo of $size bytes matches\"; \
else echo \"dom0: vchan echo differs ($size bytes back)\"; fi
")
}

/// The case's guest with a network interface (netfront) on dom0's
/// 10.10.0.1/24 (plan::vif_script), its MAC fixed so that it can be checked.
fn with_vif(case: Case) -> Case {
    Case { guest: Guest { vif: Some(format!("mac={NET_ECHO_MAC}")), ..case.guest }, ..case }
}

const NET_ECHO_BULK: usize = 262144;
const NET_ECHO_MAC: &str = "00:16:3e:0a:0a:02";
/// The guest's static address (the lane's dom0 runs no DHCP server).
const NET_ECHO_CMDLINE: &str = "halvm.ip=10.10.0.2/24 halvm.gw=10.10.0.1";
/// dom0 talks to net_echo over the vif with busybox's tools: a ping, a
/// line echoed over TCP, NET_ECHO_BULK random bytes echoed and compared
/// (more frames than the guest posts receive buffers: the rings wrap and
/// the transmit buffers are reused), then `quit`.
fn net_echo_dom0() -> String {
    format!("\
echo \"action: dom0 side $(ip -4 -o addr show | grep -o 'vif[0-9.]* *inet [0-9./]*')\"
timeout -k 2 15 ping -c 1 -W 10 10.10.0.2 > /dev/null 2>&1; echo \"action: ping exited $?\"
reply=$(echo 'hello over netfront' | timeout -k 2 20 nc -w 10 10.10.0.2 7); echo \"action: echoed [$reply]\"
head -c {NET_ECHO_BULK} /dev/urandom > /tmp/net-in
timeout -k 2 60 nc -w 10 10.10.0.2 7 < /tmp/net-in > /tmp/net-out
if cmp -s /tmp/net-in /tmp/net-out; then echo \"action: bulk echo of $(wc -c < /tmp/net-out) bytes matches\"; \
else echo \"action: bulk echo differs ($(wc -c < /tmp/net-out) bytes back)\"; fi
bye=$(echo quit | timeout -k 2 20 nc -w 10 10.10.0.2 7); echo \"action: quit answered [$bye]\"
")
}

/// The cabal lane's HTTP server (network-demo, on the unchanged `network`
/// package: tests/cabal/project/app/Network.hs) on netfront, with
/// net-echo's vif and static address: the words after `serve` are its echo
/// and HTTP ports, the `halvm.` words the platform's.
const HTTP_CMDLINE: &str = "serve 7 80 halvm.ip=10.10.0.2/24 halvm.gw=10.10.0.1";
/// curl in dom0 gets a page and the 10 MiB body (its sha256 compared with
/// the generator's, bootkit::http_demo), prints the transfer rate, then
/// `quit` on the echo port ends the server.
fn http_server_dom0() -> String {
    use sha2::{Digest, Sha256};
    let big = format!("{:x}", Sha256::digest(halvm_bootkit::http_demo::big_body()));
    format!("\
code=$(timeout -k 2 30 curl -sS --max-time 25 -o /tmp/page -w '%{{http_code}}' http://10.10.0.2/hello/dom0)
echo \"action: curl page $code [$(cat /tmp/page)]\"
timeout -k 2 150 curl -sS --max-time 140 -o /tmp/big -w '%{{http_code}} %{{size_download}} %{{speed_download}}' \
  http://10.10.0.2/big > /tmp/big-info 2>&1
got=$(sha256sum < /tmp/big | cut -d' ' -f1)
if [ \"$got\" = {big} ]; then same=matches; else same=\"differs ($got)\"; fi
set -- $(cat /tmp/big-info)
echo \"action: curl big $1 $2 bytes, $3 bytes/s, sha256 $same\"
bye=$(echo quit | timeout -k 2 20 nc -w 10 10.10.0.2 7); echo \"action: quit answered [$bye]\"
")
}

/// The case with another time limit.
fn with_time(case: Case, timeout_s: u64) -> Case {
    Case { guest: Guest { timeout_s, ..case.guest }, ..case }
}

/// The Haskell programs of tests/haskell, with the arguments and extra
/// console lines tests/ghc gives them.
pub const HASKELL: &[(&str, &[&str], &[&str])] = &[
    ("Hello", &[], &[]),
    ("ExitCode", &[], &[]),
    ("Uncaught", &[], &["halvm: Boom \"kaboom\""]),
    ("Args", &["one", "two words", "quote\"d", "it's", ""], &[]),
    ("Concurrency", &[], &[]),
    ("Delay", &[], &["sleeping 200 ms", "woke up"]),
    ("GcStress", &[], &[]),
    ("BigInteger", &[], &[]),
    ("Doubles", &[], &[]),
    ("Containers", &[], &[]),
    ("Clock", &[], &[]),
    ("HeapLimit", &["+RTS", "-M8m", "-RTS"], &["Heap exhausted"]),
    ("StackLimit", &["+RTS", "-K1m", "-RTS"], &["Stack space overflow"]),
    ("Signals", &[], &["signals: done"]),
    ("Files", &[], &[]),
    ("FilesLimits", &[], &[]),
    ("TemplateHaskell", &[], &["Labelled with 2 field(s)"]),
];

/// Every case, in the order dom0 runs them: `freestanding` holds rts-xen's
/// test images (build/images/freestanding), `haskell` the Haskell images
/// and their Linux builds (build/images/haskell), `cabal` the cabal lane's
/// (build/images/cabal).
pub fn all(freestanding_dir: &Path, haskell: &Path, haskell_xen: &Path, cabal: &Path) -> Vec<Case> {
    let f = freestanding_dir;
    let mut cases = vec![
        // Kept: the exit status recorded in XenStore is checked too (a
        // fault's through the path that exits from a fault handler).
        kept(freestanding(f, "basic-exit-0", "basic", "", 32, hello_and_exit_0)),
        kept(freestanding(f, "basic-exit-1", "basic", "1", 32, |out| out.exit(1))),
        kept(freestanding(f, "basic-args-exit-42", "basic", ARGS_CMDLINE, 32, argv_with_quotes_and_exit_42)),
        kept(freestanding(f, "basic-malformed-cmdline", "basic", "0 'unterminated", 32, malformed_cmdline)),
        freestanding(f, "basic-too-many-args", "basic", &"a ".repeat(300), 32, too_many_arguments),
        // Console input from dom0 wakes the guest blocked waiting for it.
        Case {
            guest: Guest {
                input: Some(Input { trigger: "echo: ready".into(), text: "typed line\r".into() }),
                ..freestanding(f, "echo-input", "echo", "", 32, console_input).guest
            },
            check: Check::Assert(console_input),
        },
        // The same, with xenstored stopped by dom0 while the guest exits:
        // recording the exit status gives up at its bound, and the guest
        // still ends, with its status.
        Case {
            guest: Guest {
                input: Some(Input { trigger: "echo: ready".into(), text: "typed line\r".into() }),
                stall_store: true,
                ..freestanding(f, "echo-store-stalled", "echo", "", 32, store_stalled).guest
            },
            check: Check::Assert(store_stalled),
        },
        // A guest that never ends (no input comes): destroyed at its
        // limit, and the run goes on.
        Case {
            guest: Guest { timeout_s: 8, ..freestanding(f, "echo-hangs", "echo", "", 32, |_| Ok(())).guest },
            check: Check::Hangs { ready: "echo: ready" },
        },
        freestanding(f, "memory-48", "memory", "", 48, |out| memory(out, 48)),
        freestanding(f, "memory-96", "memory", "", 96, |out| memory(out, 96)),
        freestanding(f, "time", "time", "", 32, time),
        freestanding(f, "tls", "tls", "", 32, |out| {
            out.line("tls: all checks passed")?;
            out.exit(0)
        }),
        freestanding(f, "entropy", "entropy", "", 32, entropy),
        kept(freestanding(f, "fault-null", "fault", "null", 32, |out| {
            fault(out, "vector 14 (#PF page fault), error code 0x0,")
        })),
        freestanding(f, "fault-stack", "fault", "stack", 32, |out| {
            fault(out, "vector 14 (#PF page fault), error code 0x2,")?;
            out.line("halvm: stack overflow: the fault hit the guard page below the").map(drop)
        }),
        freestanding(f, "fault-ud", "fault", "ud", 32, |out| fault(out, "vector 6 (#UD invalid opcode)")),
        freestanding(f, "libc_smoke", "libc_smoke", "", 32, libc_smoke),
        // Shutdown requests of the toolstack, as `xl shutdown` and `xl
        // reboot` make them: honoured, and ignored until the grace period
        // ends the guest (kept: its recorded status is checked too).
        with_action(freestanding(f, "shutdown-poweroff", "shutdown", "honour", 32, shutdown_poweroff),
                    "shutdown: waiting", XL_SHUTDOWN),
        with_action(freestanding(f, "shutdown-reboot", "shutdown", "honour", 32, shutdown_reboot),
                    "shutdown: waiting", XL_REBOOT),
        kept(with_action(freestanding(f, "shutdown-ignored", "shutdown", "ignore", 32, shutdown_ignored),
                         "shutdown: waiting", XL_SHUTDOWN)),
        // The XenStore API against dom0's own tools.
        with_action(freestanding(f, "xenstore", "xenstore", "", 32, xenstore), "xenstore: waiting for data/halvm/poke",
                    XENSTORE_DOM0),
        // The minlibc sockets over netfront: TCP echo to and from dom0.
        with_time(with_action(with_vif(freestanding(f, "net-echo", "net_echo", NET_ECHO_CMDLINE, 64, net_echo)),
                              "net_echo: serving tcp 7", &net_echo_dom0()), 60),
        // The same with the address from dom0's DHCP server (no fallback).
        with_time(with_action(with_vif(freestanding(f, "net-echo-dhcp", "net_echo", "halvm.net=dhcp", 64,
                                                    net_echo_dhcp)),
                              "net_echo: serving tcp 7", &net_echo_dom0()), 60),
        // Event channels and grant tables of halvm/xen.h, the domain its own peer.
        freestanding(f, "evtchn", "evtchn", "", 32, evtchn),
        // vchan against Xen's own vchan-socket-proxy in dom0: 1 MiB sent
        // through the guest's echo and compared, the guest as server
        // (dom0 maps its grants) and as client (it maps dom0's).
        with_time(with_action(freestanding(f, "vchan-server", "vchan", "server 0 data/vchan 1048576", 32, vchan_echo),
                              "vchan: serving", &vchan_dom0("client", "/local/domain/$domid/data/vchan")), 90),
        with_time(with_action(freestanding(f, "vchan-client", "vchan", &format!("client 0 {VCHAN_DOM0_PATH} 1048576"), 32,
                                           vchan_echo),
                              "vchan: connecting", &vchan_dom0("server", VCHAN_DOM0_PATH)), 90),
        // The halvm-xen library (tests/haskell-xen): identity, XenStore
        // against dom0's tools, a shutdown handler that reboots instead.
        kept(haskell_asserted(haskell_xen, "haskell-domain-info", "DomainInfo", "", haskell_domain_info)),
        with_action(haskell_asserted(haskell_xen, "haskell-xenstore", "StoreTalk", "", haskell_store_talk),
                    "waiting for dom0 to write data/halvm/poke", STORE_TALK_DOM0),
        with_time(with_action(haskell_asserted(haskell_xen, "haskell-vchan", "VchanEcho", "", haskell_vchan_echo),
                              "vchan: serving", &vchan_dom0("client", "/local/domain/$domid/data/vchan")), 90),
        with_action(haskell_asserted(haskell_xen, "haskell-shutdown-handler", "ShutdownHandler", "",
                                     haskell_shutdown_handler),
                    "serving until asked to stop", XL_SHUTDOWN),
        with_action(haskell_asserted(haskell_xen, "haskell-reboot-handler", "ShutdownHandler", "",
                                     haskell_reboot_handler),
                    "serving until asked to stop", XL_REBOOT),
        // Two guests at once: GrantOffer grants a page and offers an event
        // channel to GrantTake, which dom0 starts beside it; the taker maps
        // the page, replies in it and signals.
        with_time(with_companion(
            with_action(haskell_asserted(haskell_xen, "haskell-grant-offer", "GrantOffer", "", haskell_grant_offer),
                        "offer: waiting for dom0 to write data/peer", &grant_exchange_dom0(GRANT_TAKER)),
            haskell_asserted(haskell_xen, GRANT_TAKER, "GrantTake", "", |_| Ok(())).guest), 120),
        // The same requests reaching a Haskell program (tests/haskell/Signals.hs):
        // UserInterrupt in the main thread, a SIGTERM handler, or nothing.
        kept(with_action(haskell_asserted(haskell, "haskell-shutdown-finally", "Signals", "await-shutdown",
                                          haskell_shutdown_finally),
                         "waiting for shutdown", XL_SHUTDOWN)),
        with_action(haskell_asserted(haskell, "haskell-reboot-sigterm", "Signals", "sigterm-handler",
                                     haskell_reboot_sigterm),
                    "waiting for shutdown", XL_REBOOT),
        kept(with_action(haskell_asserted(haskell, "haskell-shutdown-ignored", "Signals", "ignore-shutdown",
                                          haskell_shutdown_ignored),
                         "ignoring shutdown", XL_SHUTDOWN)),
    ];
    for (name, args, lines) in HASKELL {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let linux = haskell.join("host").join(name).join("halvm");
        // The file-system programs see the tree (tests/ghc's files tree)
        // embedded in the image, and run on Linux inside it.
        let (image, linux_dir) = match *name {
            "Files" => ("FilesEmbedded", haskell.join("files-tree")),
            _ => (*name, linux.parent().unwrap().to_path_buf()),
        };
        if *name == "FilesLimits" {
            continue; // not comparable with Linux: its own case below
        }
        let guest = Guest::new(name, haskell.join(format!("{image}.xen")), &halvm_bootkit::quote_args(&args), 128, 60);
        cases.push(Case { guest, check: Check::Haskell { linux, linux_dir, args, lines } });
    }
    cases.push(haskell_asserted(haskell, "FilesLimits", "FilesLimits", "", files_limits));
    // The same tree as a boot module (xl's `ramdisk =`) to the image
    // without embedded files, compared with Linux run inside the tree.
    let files = Case {
        guest: Guest { ramdisk: Some(files_module(haskell)), ..haskell_asserted(haskell, "FilesModule", "Files", "", |_| Ok(())).guest },
        check: Check::Haskell {
            linux: haskell.join("host/Files/halvm"),
            linux_dir: haskell.join("files-tree"),
            args: Vec::new(),
            lines: &[],
        },
    };
    cases.push(files);
    cases.push(
// An HTTP server on the `network` package, reached with curl from dom0.
        with_time(with_action(with_vif(Case {
            guest: Guest::new("haskell-http-server", cabal.join("network-demo.xen"), HTTP_CMDLINE, 128, 60),
            check: Check::Assert(http_server),
        }), "serving the echo on port 7", &http_server_dom0()), 240));
    cases
}

/// The files tree as the tar archive halvm-run --files would pass; made by
/// the lane (domu_lane.rs) beside the tree.
pub fn files_module(haskell: &Path) -> PathBuf {
    haskell.join("files-tree.tar")
}

/// What Linux cannot show in a writable directory (tests/ghc's
/// files_limits): EROFS outside /tmp and a full 1 MiB /tmp (ENOSPC), as
/// IOExceptions.
fn files_limits(out: &Ended) -> Result<(), String> {
    for (prefix, error) in [
        ("writeFile new.txt: new.txt: openFile: permission denied", "(Read-only file system)"),
        ("removeFile hello.txt: hello.txt: removeLink", "permission denied (Read-only file system)"),
        ("/tmp/two: /tmp/two: ", "resource exhausted (No space left on device)"),
    ] {
        let line = out.line(prefix)?;
        if !line.ends_with(error) {
            return Err(format!("{line:?} does not end in {error:?}"));
        }
    }
    out.line("/tmp/two after removing /tmp/one: 614400 bytes")?;
    out.exit(0)
}

/// A Haskell image checked by assertions (not compared with Linux: the
/// request it reacts to exists only under a toolstack).
fn haskell_asserted(haskell: &Path, name: &str, program: &str, cmdline: &str,
                    check: fn(&Ended) -> Result<(), String>) -> Case {
    Case { guest: Guest::new(name, haskell.join(format!("{program}.xen")), cmdline, 128, 60), check: Check::Assert(check) }
}

/// DomainInfo prints the id and name the toolstack gave the guest.
fn haskell_domain_info(out: &Ended) -> Result<(), String> {
    out.line("platform: XenGuest")?;
    let id: u32 = out.value("domain id: ")?;
    if id == 0 {
        return Err("an ordinary guest reports domain id 0".into());
    }
    out.line("domain name: haskell-domain-info")?;
    out.exit(0)
}

/// StoreTalk against dom0's tools: values, listing, permissions, errors,
/// a watch that dom0 fires while another thread runs, a transaction that
/// conflicts with dom0's write and is retried to the right result.
fn haskell_store_talk(out: &Ended) -> Result<(), String> {
    for line in ["read back: hello from Haskell", "listing: [\"a\",\"b\"]", "owner is this domain: True",
                 "permissions: [NoAccess,ReadOnly]", "missing key: no such key (ENOENT)", "after remove: Nothing",
                 "dom0 wrote: hello-haskell", "other threads ran meanwhile: True",
                 "transaction retried: True, counter now 101", "counter in the store: 101"] {
        out.line(line)?;
    }
    out.xl_line("dom0: greeting = hello from Haskell")?;
    out.xl_line("dom0: wrote counter 100")?;
    out.exit(0)
}

/// The Haskell vchan server echoes dom0's 1 MiB through
/// vchan-socket-proxy while its ticker thread keeps running.
fn haskell_vchan_echo(out: &Ended) -> Result<(), String> {
    out.line("vchan: echoed 1048576 bytes")?;
    out.line("ticker ran while waiting: True")?;
    out.xl_line("dom0: vchan echo of 1048576 bytes matches")?;
    out.exit(0)
}

/// `xl shutdown` runs the halvm-xen handler, which reboots instead.
fn haskell_shutdown_handler(out: &Ended) -> Result<(), String> {
    out.line("request before: Nothing")?;
    out.xl_request_ran("shutdown")?;
    out.line("handler: asked to Poweroff; rebooting instead")?;
    out.exit_on_request(0, REBOOT)
}

/// `xl reboot` runs the same handler, which is told Reboot and reboots.
fn haskell_reboot_handler(out: &Ended) -> Result<(), String> {
    out.line("request before: Nothing")?;
    // Not its status: see shutdown_reboot.
    out.xl_request_ran("reboot")?;
    out.line("handler: asked to Reboot; rebooting instead")?;
    out.exit_on_request(0, REBOOT)
}

/// Both guests print what they exchanged through the granted page: the
/// offerer's message reached the taker, the taker's reply and event
/// reached the offerer, and the grant could be ended; both exit 0.
fn haskell_grant_offer(out: &Ended) -> Result<(), String> {
    const MESSAGE: &str = "hello from the granting domain";
    const REPLY: &str = "hello back from the mapping domain";
    let peer = |line: &str| out.xl_line(&format!("{PEER_PREFIX}{line}"));
    out.line(&format!("offer: sent: {MESSAGE}"))?;
    peer(&format!("take: received: {MESSAGE}"))?;
    peer(&format!("take: sent: {REPLY}"))?;
    peer("take: signalled the offerer")?;
    peer(&format!("{EXIT_LINE_PREFIX}0"))?;
    out.line(&format!("offer: the peer signalled; received: {REPLY}"))?;
    out.line("offer: grant ended: yes")?;
    // The ids each side was told: the peer's is the one dom0 created.
    let peer_id: u32 = out.value("offer: the peer is domain ")?;
    let last_word = |line: &str| line.rsplit(' ').next().and_then(|w| w.parse::<u32>().ok());
    let created = last_word(out.xl_line(&format!("dom0: {GRANT_TAKER} is domain "))?);
    let offerer_id = last_word(peer("take: the offerer is domain ")?);
    if created != Some(peer_id) || offerer_id.is_none() || offerer_id == Some(peer_id) || peer_id == 0 {
        return Err(format!("the offerer's peer is domain {peer_id}, dom0 created {created:?}, \
                            the taker's offerer is {offerer_id:?}"));
    }
    out.exit(0)
}

/// `xl shutdown` of a program in threadDelay: UserInterrupt in the main
/// thread runs its `finally` handler, the program exits with its own
/// status 7, and the domain still powers off as asked.
fn haskell_shutdown_finally(out: &Ended) -> Result<(), String> {
    out.line("waiting for shutdown")?;
    out.xl_request_ran("shutdown")?;
    out.line("finally handler ran")?;
    out.line("interrupted: exiting with status 7")?;
    out.exit_on_request(7, POWEROFF)
}

/// `xl reboot` of a program with a SIGTERM handler: the handler runs
/// (not UserInterrupt), the program exits 0, and xl sees a reboot.
fn haskell_reboot_sigterm(out: &Ended) -> Result<(), String> {
    out.line("waiting for shutdown")?;
    out.xl_request_ran("reboot")?;
    out.line("SIGTERM handler ran")?;
    out.exit_on_request(0, REBOOT)
}

/// A program ignoring SIGINT has no handler for the request: the grace
/// period ends it.
fn haskell_shutdown_ignored(out: &Ended) -> Result<(), String> {
    out.line("ignoring shutdown")?;
    out.xl_request_ran("shutdown")?;
    out.line(&format!("halvm: shutdown request (poweroff) not honoured within {GRACE_PERIOD_S} s; stopping"))?;
    out.exit_on_request(status::SHUTDOWN_TIMEOUT, POWEROFF)
}

/// `xl shutdown` reaches the guest halted waiting for it: it takes the
/// request once, exits with 0, and xl sees a poweroff.
fn shutdown_poweroff(out: &Ended) -> Result<(), String> {
    out.line("shutdown: waiting")?;
    out.line("shutdown: request poweroff after ")?;
    out.xl_request_ran("shutdown")?;
    out.exit_on_request(0, POWEROFF)
}

/// `xl reboot`: the guest exits with 0 and the domain ends with reason
/// reboot (which the configuration's on_reboot = "destroy" then destroys).
fn shutdown_reboot(out: &Ended) -> Result<(), String> {
    out.line("shutdown: request reboot after ")?;
    out.xl_request_ran("reboot")?;
    out.exit_on_request(0, REBOOT)
}

/// A guest that computes on and never looks at the request is ended by
/// the grace period: the line, status 125 on the console and in XenStore,
/// and still the poweroff the toolstack asked for.
fn shutdown_ignored(out: &Ended) -> Result<(), String> {
    out.line("shutdown: waiting")?;
    out.xl_request_ran("shutdown")?;
    out.line(&format!("halvm: shutdown request (poweroff) not honoured within {GRACE_PERIOD_S} s; stopping"))?;
    if out.line("shutdown: request").is_ok() {
        return Err("the ignoring guest took the request".into());
    }
    out.exit_on_request(status::SHUTDOWN_TIMEOUT, POWEROFF)
}

/// halvm/xen.h against dom0's xenstore-read and xenstore-write.
fn xenstore(out: &Ended) -> Result<(), String> {
    let domid: u32 = out.value("xenstore: domid ")?;
    if domid == 0 {
        return Err("an ordinary guest reports domain id 0".into());
    }
    for line in ["xenstore: name xenstore", "xenstore: read back hello", "xenstore: a missing key gives -2",
                 "xenstore: data/halvm lists test (5 bytes)", "xenstore: transaction ",
                 "xenstore: data/halvm/poke = world (after "] {
        out.line(line)?;
    }
    let perms = out.line("xenstore: permissions ")?;
    if !perms.ends_with(&format!("permissions n{domid}")) {
        return Err(format!("the guest's own key should be its own with no other access: {perms:?}"));
    }
    out.xl_line("dom0: data/halvm/test = hello")?;
    out.xl_line("dom0: wrote data/halvm/poke")?;
    out.exit(0)
}

fn hello_and_exit_0(out: &Ended) -> Result<(), String> {
    for line in ["hello from halvm", "platform: xen-domu", "argc: 1", "argv[0]: [halvm]"] {
        out.line(line)?;
    }
    out.exit(0)
}

/// The same command line as the xen lane's quoting check.
const ARGS_CMDLINE: &str = r#"42 'two words' "say \"hi\"" back\ slash a'b c'd """#;

fn argv_with_quotes_and_exit_42(out: &Ended) -> Result<(), String> {
    for line in ["argc: 7", "argv[1]: [42]", "argv[2]: [two words]", r#"argv[3]: [say "hi"]"#,
                 "argv[4]: [back slash]", "argv[5]: [ab cd]", "argv[6]: []"] {
        out.line(line)?;
    }
    out.exit(42)
}

/// The typed line comes back whole, after at least one halt (the guest
/// waited) and at most one per arriving chunk (it did not spin), as in the
/// xen lane.
fn console_input(out: &Ended) -> Result<(), String> {
    out.line("echo: [typed line] after ")?;
    let halts: u64 = out.value("] after ")?;
    if halts == 0 {
        return Err("the guest never halted waiting for input, so nothing was tested".into());
    }
    if halts > 12 {
        return Err(format!("{halts} halts for 11 typed bytes: block_until does not wait for input"));
    }
    out.exit(0)
}

/// The line came back, the guest said it could not record its status in
/// the stopped store, and exited all the same.
fn store_stalled(out: &Ended) -> Result<(), String> {
    out.line("echo: [typed line] after ")?;
    out.line(&format!("halvm: could not record the exit status in XenStore ({STATUS_KEY}): the store did not answer in time"))?;
    out.exit(0)
}

fn malformed_cmdline(out: &Ended) -> Result<(), String> {
    out.line("halvm: cannot split the command line into arguments: the single quote at byte 2 is never closed")?;
    if out.line("hello from halvm").is_ok() {
        return Err("main() ran despite the malformed command line".into());
    }
    out.exit(status::BAD_CMDLINE)
}

fn too_many_arguments(out: &Ended) -> Result<(), String> {
    out.line("more than 255 arguments")?;
    out.exit(status::BAD_CMDLINE)
}

/// The guest manages the memory its configuration gives it, less at most
/// 4 MiB (its image and Xen's pages for it; 1.7 MiB measured), and no
/// more; then the same allocator checks as on the other machines.
fn memory(out: &Ended, memory_mib: u64) -> Result<(), String> {
    let total_kib: u64 = out.value("memory: total ")?;
    let least = (memory_mib - 4) * 1024;
    if total_kib < least || total_kib > memory_mib * 1024 {
        return Err(format!("{total_kib} KiB managed with memory = {memory_mib}: expected {least} KiB to {memory_mib} MiB"));
    }
    out.line("memory: alignment, zeroing and free ok")?;
    out.line("halvm: out of memory: cannot allocate 1 megablocks (1024 KiB)")?;
    out.line("halvm: out of memory: cannot allocate 1 pages (4 KiB); 0 KiB of")?;
    out.line("exhaust: all memory freed and reusable")?;
    out.exit(0)
}

/// time.c's checks on the guest's own clock, with the xen lane's
/// tolerance for timers through Xen under TCG; the wall clock must fall
/// within the QEMU run.
fn time(out: &Ended) -> Result<(), String> {
    out.line("monotonic: never went back")?;
    let wall: u64 = out.value("wallclock-s: ")?;
    let (start, end) = out.host_window;
    if wall + 10 < start || wall > end + 10 {
        return Err(format!("guest wall clock {wall} is not within 10 s of the run ({start}..{end})"));
    }
    let elapsed_ns: u64 = out.value("sleep: end, elapsed-ns ")?;
    if !(200_000_000..350_000_000).contains(&elapsed_ns) {
        return Err(format!("a 200 ms sleep took {elapsed_ns} ns on the guest's clock (allowed 200..350 ms)"));
    }
    let ticks: u64 = out.value("ticks: ")?;
    if !(85..=110).contains(&ticks) {
        return Err(format!("{ticks} ticks at 100 Hz in one second (allowed 85..=110)"));
    }
    out.line("red zone: 0 of 16 slots damaged")?;
    out.line("time: all checks passed")?;
    out.exit(0)
}

fn yes_no(out: &Ended, prefix: &str) -> Result<bool, String> {
    match out.value::<String>(prefix)?.as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        other => Err(format!("{prefix:?} is followed by {other:?}, not yes or no")),
    }
}

/// The entropy image on Xen's `-cpu max`, which offers both RDRAND and
/// RDSEED, as the xen lane expects: two different reads, a 13-byte read
/// that leaves the bytes after it alone.
fn entropy(out: &Ended) -> Result<(), String> {
    let advertised = (yes_no(out, "entropy: cpuid rdrand: ")?, yes_no(out, "entropy: cpuid rdseed: ")?);
    if advertised != (true, true) {
        return Err(format!("the guest's CPU advertises (RDRAND, RDSEED) = {advertised:?}, not (true, true)"));
    }
    for line in ["entropy: 32-byte reads returned 0 0", "entropy: the two reads differ: yes",
                 "entropy: 13-byte read returned 0,", "entropy: empty read returned 0",
                 "the bytes after it untouched: yes"] {
        out.line(line)?;
    }
    out.exit(0)
}

fn fault(out: &Ended, vector: &str) -> Result<(), String> {
    let line = out.line("halvm: CPU fault: ")?;
    for part in [vector, "error code 0x", "RIP 0x", "RSP 0x", "CR2 0x"] {
        if !line.contains(part) {
            return Err(format!("the fault report lacks {part:?}"));
        }
    }
    if out.line("FAIL:").is_ok() {
        return Err("the program continued after the fault".into());
    }
    out.exit(status::CPU_FAULT)
}

/// minlibc's smoke test (the xen lane's lines), with a CPU that has a
/// random-number generator.
fn libc_smoke(out: &Ended) -> Result<(), String> {
    // The machine-independent lines, beside the program; then the entropy
    // lines of a CPU with a generator (the domU runs on -cpu max).
    let common = include_str!("../../../minlibc/tests-boot/libc_smoke.expected");
    for line in common.lines().chain([
        "libc: cpu generator: yes",
        "libc: getrandom: 32 bytes twice, different",
        "libc: getentropy: 0 (none)",
        "libc: /dev/urandom: a character device, read 32 (none)",
        "libc: fopen(/dev/urandom): fread 1 twice, different, fclose 0",
    ]) {
        out.line(line)?;
    }
    out.exit(3)
}

/// tests/freestanding/evtchn.c's checks all passed.
fn evtchn(out: &Ended) -> Result<(), String> {
    for line in ["evtchn: platform ports refused", "evtchn: events crossed both ways", "evtchn: VIRQ_DEBUG bound to port",
                 "gnttab: grant, map, end checks passed", "evtchn: all checks passed"] {
        out.line(line)?;
    }
    out.exit(0)
}

/// net_echo as a domU with a static address: see net_echo_traffic.
fn net_echo(out: &Ended) -> Result<(), String> {
    out.line(&format!("halvm: net: eth0 {NET_ECHO_MAC} address 10.10.0.2/24 gateway 10.10.0.1 dns 10.0.2.3 (static)"))?;
    net_echo_traffic(out)
}

/// net_echo as a domU taking its address from dom0's DHCP server
/// (plan::vif_script): the lease's address, router and DNS server.
fn net_echo_dhcp(out: &Ended) -> Result<(), String> {
    out.line(&format!("halvm: net: eth0 {NET_ECHO_MAC} address 10.10.0.2/24 gateway 10.10.0.1 dns 10.10.0.1 (DHCP)"))?;
    net_echo_traffic(out)
}

/// netfront connected with the configured MAC, the guest's own checks
/// passed, dom0's ping and line came back, and `quit` ended it.
fn net_echo_traffic(out: &Ended) -> Result<(), String> {
    out.line("halvm: net: netfront device/vif/0, backend domain 0")?;
    out.line("net_echo: 0 check(s) failed")?;
    out.xl_line("action: ping exited 0")?;
    out.xl_line("action: echoed [hello over netfront]")?;
    out.xl_line(&format!("action: bulk echo of {NET_ECHO_BULK} bytes matches"))?;
    out.xl_line("action: quit answered [bye]")?;
    out.line(&format!("net_echo: quit after 3 connection(s), {} bytes echoed over tcp, 0 udp datagram(s)",
                      "hello over netfront\n".len() + NET_ECHO_BULK))?;
    out.exit(0)
}

/// The HTTP server as a domU: the static address on netfront, curl's page
/// and 10 MiB body (the rate is in the lane's log), and `quit` ended it
/// with status 0.
fn http_server(out: &Ended) -> Result<(), String> {
    out.line(&format!("halvm: net: eth0 {NET_ECHO_MAC} address 10.10.0.2/24 gateway 10.10.0.1"))?;
    out.line("serving HTTP on port 80")?;
    out.xl_line("action: curl page 200 [hello dom0]")?;
    out.xl_line(&format!("action: curl big 200 {} bytes, ", halvm_bootkit::http_demo::BIG_SIZE))?;
    let big = out.xl_line("action: curl big ")?;
    if !big.ends_with("sha256 matches") {
        return Err(format!("the 10 MiB body is not the generator's: {big}"));
    }
    out.xl_line("action: quit answered [bye]")?;
    out.line("quit received")?;
    out.exit(0)
}

/// A vchan case: the guest echoed the 1 MiB and dom0 got it back intact.
fn vchan_echo(out: &Ended) -> Result<(), String> {
    out.line("vchan: connected")?;
    out.line("vchan: echoed 1048576 bytes")?;
    out.xl_line("dom0: vchan echo of 1048576 bytes matches")?;
    out.exit(0)
}

/// What the Linux build prints on a terminal and its exit status (as
/// tests/ghc runs it: under script(1), so stdout is line-buffered as on the
/// guest's console).
pub fn linux_run(linux: &Path, dir: &Path, args: &[String]) -> Result<(Vec<String>, u8), String> {
    let words: Vec<String> = std::iter::once(linux.display().to_string()).chain(args.iter().cloned()).collect();
    let out = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &halvm_bootkit::quote_args(&words), "/dev/null"])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("running {} under script(1): {e}", linux.display()))?;
    let status = out.status.code().ok_or_else(|| format!("{} was killed: {:?}", linux.display(), out.status))?;
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    Ok((text.lines().map(String::from).collect(), status as u8))
}

/// A Haskell guest against its Linux build.
pub fn compare_with_linux(out: &Ended, linux: &Path, dir: &Path, args: &[String], lines: &[&str]) -> Result<(), String> {
    let (want, status) = linux_run(linux, dir, args)?;
    let got = out.program_lines();
    if got != want {
        return Err(format!(
            "console output differs from the platform GHC's build on Linux\n---- expected:\n{}\n---- got:\n{}",
            want.join("\n"),
            got.join("\n")
        ));
    }
    for line in lines {
        out.line(line)?;
    }
    out.exit(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended(console: &[&str], reason: Option<u8>) -> (Vec<String>, Option<u8>) {
        (console.iter().map(|s| s.to_string()).collect(), reason)
    }

    fn check(console: &[&str], reason: Option<u8>, f: impl Fn(&Ended) -> Result<(), String>) -> Result<(), String> {
        let (console, reason) = ended(console, reason);
        f(&Ended { console: &console, xl_log: &[], reason, exit_status_key: None, host_window: (0, 0) })
    }

    #[test]
    fn an_exit_needs_the_final_line_and_the_matching_reason() {
        assert_eq!(check(&["x", "halvm: exit status 0"], Some(0), |o| o.exit(0)), Ok(()));
        assert_eq!(check(&["halvm: exit status 42"], Some(3), |o| o.exit(42)), Ok(()));
        let err = check(&["halvm: exit status 42"], Some(0), |o| o.exit(42)).unwrap_err();
        assert!(err.contains("reason code 0, expected 3 (crash)"), "{err}");
        let err = check(&["halvm: exit status 0"], Some(3), |o| o.exit(0)).unwrap_err();
        assert!(err.contains("expected 0 (poweroff)"), "{err}");
        let err = check(&["halvm: exit status 1"], Some(3), |o| o.exit(42)).unwrap_err();
        assert!(err.contains("final line says 1"), "{err}");
        let err = check(&["hello"], Some(0), |o| o.exit(0)).unwrap_err();
        assert!(err.contains("no console line says"), "{err}");
        assert!(check(&["halvm: exit status 0"], None, |o| o.exit(0)).unwrap_err().contains("no reason code"));
    }

    #[test]
    fn a_haskell_program_interrupted_by_shutdown_must_run_finally_and_exit_with_its_status() {
        let lines = |finally: bool, status: u8| -> Vec<String> {
            let mut l = vec!["waiting for shutdown".to_string()];
            if finally {
                l.push("finally handler ran".into());
            }
            l.push("interrupted: exiting with status 7".into());
            l.push(format!("halvm: exit status {status}"));
            l
        };
        let xl_log = ["action: xl shutdown exited 0".to_string()];
        let run = |console: &[String], reason| {
            haskell_shutdown_finally(&Ended { console, xl_log: &xl_log, reason: Some(reason),
                                              exit_status_key: Some("7"), host_window: (0, 0) })
        };
        assert_eq!(run(&lines(true, 7), POWEROFF), Ok(()));
        assert!(run(&lines(false, 7), POWEROFF).unwrap_err().contains("finally handler ran"));
        assert!(run(&lines(true, 7), CRASH).is_err(), "the domain must power off as asked");
        assert!(run(&lines(true, 130), POWEROFF).is_err(), "the program's own status must be the one recorded");
    }

    #[test]
    fn the_grant_exchange_needs_both_sides_lines() {
        let console = ["offer: the peer is domain 7", "offer: sent: hello from the granting domain",
                       "offer: the peer signalled; received: hello back from the mapping domain",
                       "offer: grant ended: yes", "halvm: exit status 0"].map(String::from);
        let xl_log: Vec<String> = ["dom0: haskell-grant-take is domain 7", "peer| take: the offerer is domain 6",
                                   "peer| take: received: hello from the granting domain",
                                   "peer| take: sent: hello back from the mapping domain",
                                   "peer| take: signalled the offerer", "peer| halvm: exit status 0"]
            .map(String::from).to_vec();
        let run = |xl_log: &[String]| haskell_grant_offer(&Ended { console: &console, xl_log, reason: Some(POWEROFF),
                                                                   exit_status_key: None, host_window: (0, 0) });
        assert_eq!(run(&xl_log), Ok(()));
        for i in 0..xl_log.len() {
            let mut short = xl_log.clone();
            short.remove(i);
            assert!(run(&short).is_err(), "passes without {:?}", xl_log[i]);
        }
        let mut same = xl_log.clone();
        same[1] = "peer| take: the offerer is domain 7".into();
        assert!(run(&same).unwrap_err().contains("the taker's offerer"));
    }

    #[test]
    fn a_recorded_exit_status_must_match() {
        let console = vec!["halvm: exit status 42".to_string()];
        let out = |key| Ended { console: &console, xl_log: &[], reason: Some(3), exit_status_key: key, host_window: (0, 0) };
        assert_eq!(out(Some("42")).exit(42), Ok(()));
        let err = out(Some("0")).exit(42).unwrap_err();
        assert!(err.contains("holds \"0\", expected 42"), "{err}");
        let err = out(Some("none")).exit(42).unwrap_err();
        assert!(err.contains("could not read"), "{err}");
    }

    #[test]
    fn the_exit_status_cases_are_kept_for_their_key() {
        let cases = all(Path::new("/f"), Path::new("/h"), Path::new("/x"), Path::new("/c"));
        let kept: Vec<&str> =
            cases.iter().filter(|c| c.guest.keep_after_shutdown).map(|c| c.guest.name.as_str()).collect();
        for name in ["basic-exit-0", "basic-exit-1", "basic-args-exit-42"] {
            assert!(kept.contains(&name), "{name} is not kept: {kept:?}");
        }
    }

    #[test]
    fn an_xl_request_counts_when_xl_exits_0_or_aborts_after_delivering_it_and_fails_otherwise() {
        let run = |status: &str| {
            let xl_log = [format!("action: xl shutdown exited {status}")];
            Ended { console: &[], xl_log: &xl_log, reason: None, exit_status_key: None, host_window: (0, 0) }
                .xl_request_ran("shutdown")
        };
        assert_eq!(run("0"), Ok(()));
        assert_eq!(run("134"), Ok(()));
        assert!(run("1").unwrap_err().contains("xl shutdown failed"));
        assert!(run("124").is_err(), "a timed-out xl is a failure");
        let none = Ended { console: &[], xl_log: &[], reason: None, exit_status_key: None, host_window: (0, 0) };
        assert!(none.xl_request_ran("reboot").is_err(), "the action must have run");
    }

    #[test]
    fn an_ignored_request_must_end_by_the_grace_period_with_the_requested_reason() {
        let console = ["shutdown: waiting", "halvm: shutdown request (poweroff) not honoured within 5 s; stopping",
                       "halvm: exit status 125"].map(String::from);
        let xl_log = ["action: xl shutdown exited 0".to_string()];
        let out = |reason, key| Ended { console: &console, xl_log: &xl_log, reason: Some(reason),
                                        exit_status_key: key, host_window: (0, 0) };
        assert_eq!(shutdown_ignored(&out(POWEROFF, Some("125"))), Ok(()));
        assert!(shutdown_ignored(&out(CRASH, Some("125"))).unwrap_err().contains("reason code Some(3)"));
        assert!(shutdown_ignored(&out(POWEROFF, Some("0"))).unwrap_err().contains("holds \"0\""));
        let no_action = Ended { xl_log: &[], ..out(POWEROFF, None) };
        assert!(shutdown_ignored(&no_action).unwrap_err().contains("xl's log"));
    }

    #[test]
    fn program_lines_stop_at_the_exit_line() {
        let (console, reason) = ended(&["a", "b", "halvm: exit status 0", "late"], Some(0));
        let out = Ended { console: &console, xl_log: &[], reason, exit_status_key: None, host_window: (0, 0) };
        assert_eq!(out.program_lines(), ["a", "b"]);
    }

    #[test]
    fn memory_must_match_the_configuration() {
        let lines = |kib: u64| {
            vec![format!("memory: total {kib} KiB, free 1 KiB"), "memory: alignment, zeroing and free ok".into(),
                 "halvm: out of memory: cannot allocate 1 megablocks (1024 KiB)".into(),
                 "halvm: out of memory: cannot allocate 1 pages (4 KiB); 0 KiB of 1".into(),
                 "exhaust: all memory freed and reusable".into(), "halvm: exit status 0".into()]
        };
        let run = |kib: u64| {
            let console = lines(kib);
            memory(&Ended { console: &console, xl_log: &[], reason: Some(0), exit_status_key: None, host_window: (0, 0) }, 96)
        };
        assert_eq!(run(94 * 1024), Ok(()));
        assert!(run(91 * 1024).unwrap_err().contains("expected"), "too little");
        assert!(run(97 * 1024).unwrap_err().contains("expected"), "more than configured");
    }

    #[test]
    fn every_haskell_test_program_is_a_case() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/haskell");
        let mut programs: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "hs"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        programs.sort();
        let mut listed: Vec<String> = HASKELL.iter().map(|(n, _, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(listed, programs, "HASKELL must list every program of tests/haskell");
    }

    #[test]
    fn every_halvm_xen_program_is_a_case() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/haskell-xen");
        let cases = all(Path::new("/f"), Path::new("/h"), Path::new("/x"), Path::new("/c"));
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let image = Path::new("/x").join(path.with_extension("xen").file_name().unwrap());
            let runs = |g: &Guest| g.image == image || g.companion.as_ref().is_some_and(|c| c.image == image);
            assert!(cases.iter().any(|c| runs(&c.guest)), "{} has no domU case", path.display());
        }
    }

    #[test]
    fn case_names_are_unique_domain_names() {
        let cases = all(Path::new("/f"), Path::new("/h"), Path::new("/x"), Path::new("/c"));
        let guests: Vec<Guest> = cases.into_iter().map(|c| c.guest).collect();
        super::super::plan::plan_text(&guests).unwrap();
    }

    #[test]
    fn a_haskell_guest_is_compared_with_its_linux_build() {
        // `echo` stands in for a Linux build: it prints its arguments.
        let echo = which::which("echo").unwrap();
        let args = vec!["two words".to_string()];
        let dir = std::env::temp_dir();
        let ok = check(&["two words", "halvm: exit status 0"], Some(0), |o| compare_with_linux(o, &echo, &dir, &args, &[]));
        assert_eq!(ok, Ok(()));
        let err = check(&["two  words", "halvm: exit status 0"], Some(0), |o| compare_with_linux(o, &echo, &dir, &args, &[]))
            .unwrap_err();
        assert!(err.contains("differs"), "{err}");
    }
}
