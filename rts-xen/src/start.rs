//! Platform start-up, from the first Rust code to main(), and the C API
//! for arguments, console and platform kind.

use core::ffi::{c_char, c_int};
use core::ptr::{addr_of, addr_of_mut, null_mut};

use crate::cmdline::{self, MAX_ARGS, MAX_CMDLINE};
use crate::exit::{self, EXIT_BAD_CMDLINE, EXIT_PLATFORM_ERROR};
use crate::platform::{self, Kind};
use crate::xen::abi::{hvm_start_info, SIF_INITDOMAIN};
use crate::{bootinfo, bootmodules, console, cpu, interrupts, lapic, measure, memory, paging, pic, time, tls, xen};

extern "C" {
    fn main(argc: c_int, argv: *mut *mut c_char) -> c_int;
    fn exit(status: c_int) -> !;
    static __init_array_start: [Option<extern "C" fn()>; 0];
    static __init_array_end: [Option<extern "C" fn()>; 0];
}

/// argv[0] of every image.
static mut PROGRAM_NAME: [u8; 6] = *b"halvm\0";
/// The split arguments (NUL-terminated words) and argv pointing into them.
static mut ARG_WORDS: [u8; MAX_CMDLINE + 1] = [0; MAX_CMDLINE + 1];
static mut ARGV: [*mut c_char; MAX_ARGS + 1] = [null_mut(); MAX_ARGS + 1];
static mut ARGC: c_int = 0;
/// The platform's words (cmdline::is_platform_word), kept out of argv.
static mut PLATFORM_WORDS: [*const c_char; MAX_ARGS] = [core::ptr::null(); MAX_ARGS];
static mut PLATFORM_WORD_COUNT: usize = 0;

/// Called by the 64-bit entry code with the physical address of
/// hvm_start_info; SSE is on, .bss is clear, we run on the boot stack.
#[no_mangle]
extern "C" fn halvm_rust_entry(start_info: u32) -> ! {
    interrupts::init();
    let si = start_info as *const hvm_start_info;
    let kind = if !xen::init() {
        Kind::Qemu
    } else if bootinfo::start_flags(si) & SIF_INITDOMAIN != 0 {
        Kind::XenDom0
    } else {
        Kind::XenDomU
    };
    platform::set_kind(kind);
    match kind {
        Kind::Qemu => console::init_com1(),
        Kind::XenDom0 => console::init_xen_console_io(),
        Kind::XenDomU => console::init_xen_ring(),
    }
    bootinfo::copy_from(si);
    bootmodules::copy_from(si);
    paging::init_guards();
    memory::init();
    tls::init();
    init_time_and_interrupts(kind);
    // SAFETY: boot is complete; from here on interrupts run.
    unsafe { cpu::enable_interrupts() };
    let argc = split_arguments();
    run_constructors();
    measure::mark_main();
    // SAFETY: the C start-up contract of platform.h.
    unsafe {
        let status = main(argc, addr_of_mut!(ARGV) as *mut *mut c_char);
        exit(status)
    }
}

fn init_time_and_interrupts(kind: Kind) {
    if kind == Kind::Qemu {
        pic::remap_and_mask();
        pic::unmask(pic::IRQ_COM1);
        console::enable_com1_input_interrupt();
        time::init_bare();
        lapic::enable();
        lapic::init_timer();
        return;
    }
    if let Err(e) = xen::shared::init() {
        crate::kprintln!("halvm: mapping Xen's shared-info page failed (error {e})");
        exit::exit(EXIT_PLATFORM_ERROR);
    }
    if let Err(e) = xen::events::init(console::ring_port()) {
        crate::kprintln!("halvm: Xen event channel setup failed: {e}");
        exit::exit(EXIT_PLATFORM_ERROR);
    }
    if kind == Kind::XenDomU {
        xen::store::init();
    }
}

/// Splits the command line into ARGV, with the platform's `halvm.NAME=VALUE`
/// words set aside for it (platform_words()); a bad line ends the guest
/// with a message naming the problem.
fn split_arguments() -> c_int {
    let info = bootinfo::get();
    // SAFETY: boot, before main(); nothing else uses these yet.
    unsafe {
        let argv = &mut *addr_of_mut!(ARGV);
        argv[0] = addr_of_mut!(PROGRAM_NAME) as *mut c_char;
        let words = &mut *addr_of_mut!(ARG_WORDS);
        let mut starts = [0usize; MAX_ARGS - 1];
        let result = if info.cmdline_overflow {
            Err(cmdline::CmdlineError::TooLong)
        } else {
            cmdline::split(&info.cmdline[..info.cmdline_len], words, &mut starts)
        };
        match result {
            Ok(n) => {
                let platform = &mut *addr_of_mut!(PLATFORM_WORDS);
                let (mut argc, mut kept) = (1usize, 0usize);
                for &s in &starts[..n] {
                    let word = words.as_mut_ptr().add(s) as *mut c_char;
                    let len = words[s..].iter().position(|&b| b == 0).unwrap_or(0);
                    if cmdline::is_platform_word(&words[s..s + len]) {
                        warn_if_unknown(&words[s..s + len]);
                        platform[kept] = word;
                        kept += 1;
                    } else {
                        argv[argc] = word;
                        argc += 1;
                    }
                }
                argv[argc] = null_mut();
                *addr_of_mut!(PLATFORM_WORD_COUNT) = kept;
                *addr_of_mut!(ARGC) = argc as c_int;
                argc as c_int
            }
            Err(e) => {
                crate::kprintln!("halvm: cannot split the command line into arguments: {e}");
                exit::exit(EXIT_BAD_CMDLINE);
            }
        }
    }
}

/// A platform word no part of the platform reads is most likely a typo:
/// say so, since the program does not see it either.
fn warn_if_unknown(word: &[u8]) {
    let name = word.split(|&b| b == b'=').next().unwrap_or(word);
    if !crate::net::config::SETTINGS.iter().any(|s| s.as_bytes() == name) {
        crate::kprintln!("halvm: ignoring {:?}: no setting of that name (see rts-xen/README.md)",
                         core::str::from_utf8(word).unwrap_or("?"));
    }
}

/// The command line's `halvm.NAME=VALUE` words, which argv does not hold.
pub fn platform_words() -> impl Iterator<Item = &'static str> {
    // SAFETY: written once before main(), read-only afterwards.
    let (words, count) = unsafe { (&*addr_of!(PLATFORM_WORDS), *addr_of!(PLATFORM_WORD_COUNT)) };
    words[..count].iter().filter_map(|&p| {
        // SAFETY: each points to a NUL-terminated word in ARG_WORDS.
        unsafe { core::ffi::CStr::from_ptr(p) }.to_str().ok()
    })
}

/// Runs the C constructors (.init_array), as a hosted crt0 would.
fn run_constructors() {
    // SAFETY: the linker script brackets .init_array with these symbols.
    unsafe {
        let mut p = addr_of!(__init_array_start) as *const Option<extern "C" fn()>;
        let end = addr_of!(__init_array_end) as *const Option<extern "C" fn()>;
        while p < end {
            if let Some(f) = *p {
                f();
            }
            p = p.add(1);
        }
    }
}

#[no_mangle]
pub extern "C" fn halvm_argc() -> c_int {
    // SAFETY: written once before main().
    unsafe { *addr_of!(ARGC) }
}

#[no_mangle]
pub extern "C" fn halvm_argv() -> *mut *mut c_char {
    addr_of_mut!(ARGV) as *mut *mut c_char
}

#[no_mangle]
pub extern "C" fn halvm_cmdline() -> *const c_char {
    bootinfo::get().cmdline.as_ptr() as *const c_char
}

#[no_mangle]
pub extern "C" fn halvm_platform() -> c_int {
    platform::kind() as c_int
}

#[no_mangle]
pub unsafe extern "C" fn halvm_console_write(buf: *const c_char, len: usize) -> usize {
    if !buf.is_null() && len > 0 {
        console::write(core::slice::from_raw_parts(buf as *const u8, len));
    }
    len
}

#[no_mangle]
pub unsafe extern "C" fn halvm_console_read(buf: *mut c_char, len: usize) -> usize {
    if buf.is_null() || len == 0 {
        return 0;
    }
    console::read(core::slice::from_raw_parts_mut(buf as *mut u8, len))
}
