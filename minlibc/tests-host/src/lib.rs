//! Driver for the comparison suites in `c/`: each runs a number of seeded
//! random cases comparing minlibc (host copy, symbols renamed to `ml_*`)
//! with glibc and reports the first failures in words.

use std::os::raw::{c_char, c_ulong};

type SuiteFn = unsafe extern "C" fn(seed: u64, cases: c_ulong, report: *mut c_char, cap: usize) -> c_ulong;

macro_rules! suites {
    ($($name:ident),*) => {
        extern "C" { $(pub fn $name(seed: u64, cases: c_ulong, report: *mut c_char, cap: usize) -> c_ulong;)* }
    };
}

suites!(
    suite_printf,
    suite_printf_fixed,
    suite_strtod,
    suite_strtod_fixed,
    suite_strtol,
    suite_malloc,
    suite_malloc_limits,
    suite_qsort,
    suite_iconv,
    suite_strings,
    suite_ctype,
    suite_time,
    suite_env,
    suite_stdio,
    suite_misc,
    suite_entropy
);

extern "C" {
    /// Registers atexit handlers, prints without a newline and exits (how =
    /// 0) or aborts (how = 1): for a child process only.
    pub fn exit_child(how: i32) -> !;
}

/// minlibc has one thread by design; the test harness has several. Suites
/// run one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs a suite; Err names how many cases failed and describes the first.
pub fn run(suite: SuiteFn, seed: u64, cases: u64) -> Result<(), String> {
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut report = vec![0u8; 16 * 1024];
    let failures = unsafe { suite(seed, cases as c_ulong, report.as_mut_ptr().cast(), report.len()) };
    if failures == 0 {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&report[..report.iter().position(|&b| b == 0).unwrap_or(report.len())]).into_owned();
    Err(format!("{failures} failure(s) (seed {seed:#x}); the first:\n{text}"))
}

/// The seed: fixed for reproducibility, overridable with MINLIBC_TEST_SEED.
pub fn seed() -> u64 {
    std::env::var("MINLIBC_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_1ab5)
}
