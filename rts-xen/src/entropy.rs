//! Random bytes from the CPU's hardware generator, for `halvm_entropy`
//! (platform.h): RDSEED where CPUID advertises it, else RDRAND. Without
//! either, or when the generator keeps failing, the call fails; nothing
//! here ever substitutes a weaker source (a constant, the clock), because
//! callers use these bytes as seeds.
//!
//! The choice, the retries and the health check take the CPU's answers as
//! arguments, so that host unit tests drive them with scripted generators.
//! CPUID, RDRAND and RDSEED are unprivileged, so the tests also run the
//! real instructions on the host's CPU when it has them.

use core::sync::atomic::{AtomicU8, Ordering};

/// The instruction values come from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Source {
    /// The entropy conditioner's output itself, meant for seeding.
    Rdseed,
    /// A CSPRNG that the hardware reseeds from the same conditioner.
    Rdrand,
}

/// CPUID.01H:ECX bit 30 advertises RDRAND, CPUID.(EAX=07H,ECX=0):EBX bit 18
/// advertises RDSEED (Intel SDM vol. 2A, "CPUID").
const LEAF1_ECX_RDRAND: u32 = 1 << 30;
const LEAF7_EBX_RDSEED: u32 = 1 << 18;

/// The source to use given CPUID's answers: the highest basic leaf (leaf
/// 0's EAX), leaf 1's ECX and leaf 7's EBX (meaningless when the highest
/// leaf is below 7, as on CPUs that predate leaf 7).
pub fn choose(max_leaf: u32, leaf1_ecx: u32, leaf7_ebx: u32) -> Option<Source> {
    if max_leaf >= 7 && leaf7_ebx & LEAF7_EBX_RDSEED != 0 {
        Some(Source::Rdseed)
    } else if max_leaf >= 1 && leaf1_ecx & LEAF1_ECX_RDRAND != 0 {
        Some(Source::Rdrand)
    } else {
        None
    }
}

impl Source {
    /// Attempts per 64-bit value before giving up. Intel's DRNG software
    /// implementation guide treats ten RDRAND failures in a row as a
    /// broken generator. RDSEED fails in normal use whenever the
    /// conditioner has no fresh value yet (other cores drain it); the guide
    /// asks for retries with PAUSE between them and leaves the bound to
    /// the caller: 1024 keeps a failing call to about a millisecond.
    pub fn tries(self) -> u32 {
        match self {
            Source::Rdrand => 10,
            Source::Rdseed => 1024,
        }
    }

    /// Whether to wait (PAUSE) after a failed attempt: RDSEED needs time
    /// for the conditioner to produce a value; RDRAND retries at once.
    pub fn waits_between_tries(self) -> bool {
        self == Source::Rdseed
    }
}

/// One value: up to `tries` calls of `attempt` (one instruction: `Some`
/// when it set CF), calling `wait` between failed ones.
pub fn draw(tries: u32, attempt: &mut impl FnMut() -> Option<u64>, wait: &mut impl FnMut()) -> Option<u64> {
    for i in 0..tries {
        if i > 0 {
            wait();
        }
        if let Some(v) = attempt() {
            return Some(v);
        }
    }
    None
}

/// The generator did not deliver (retries exhausted, or no generator).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct GeneratorFailed;

/// Fills `buf` with values from `next`, eight bytes each (little-endian;
/// the last value only partly used).
pub fn fill(buf: &mut [u8], next: &mut impl FnMut() -> Option<u64>) -> Result<(), GeneratorFailed> {
    for chunk in buf.chunks_mut(8) {
        let v = next().ok_or(GeneratorFailed)?;
        chunk.copy_from_slice(&v.to_le_bytes()[..chunk.len()]);
    }
    Ok(())
}

/// What the check before first use found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Health {
    Working,
    /// Two consecutive values were equal: the generator is stuck.
    Stuck,
    /// The generator did not deliver a value within its retries.
    NotReady,
}

/// Values the health check draws.
pub const HEALTH_SAMPLES: usize = 8;

/// Checks a generator before first use: it must deliver HEALTH_SAMPLES
/// values, no two consecutive ones equal. Some AMD CPUs' RDRAND returned
/// all ones with CF set after a suspend/resume (a firmware bug); trusting
/// such a generator would hand out a constant seed. Two equal consecutive
/// 64-bit values from a working generator have probability 2^-64.
pub fn check_health(next: &mut impl FnMut() -> Option<u64>) -> Health {
    let mut previous = None;
    for _ in 0..HEALTH_SAMPLES {
        let Some(v) = next() else { return Health::NotReady };
        if previous == Some(v) {
            return Health::Stuck;
        }
        previous = Some(v);
    }
    Health::Working
}

// ------------------------------------------------------------- the CPU

/// One RDRAND. Only called when CPUID advertises it.
#[target_feature(enable = "rdrand")]
unsafe fn rdrand_once() -> Option<u64> {
    let mut v = 0u64;
    (core::arch::x86_64::_rdrand64_step(&mut v) == 1).then_some(v)
}

/// One RDSEED, in its 64-bit form (the 16- and 32-bit forms of some AMD
/// Zen 5 CPUs return 0 with CF set). Only called when CPUID advertises it.
#[target_feature(enable = "rdseed")]
unsafe fn rdseed_once() -> Option<u64> {
    let mut v = 0u64;
    (core::arch::x86_64::_rdseed64_step(&mut v) == 1).then_some(v)
}

/// One value from `source` on this CPU, with its retries.
fn draw_from(source: Source) -> Option<u64> {
    // SAFETY: `source` came from `choose`, so CPUID advertises the
    // instruction (otherwise it would raise #UD).
    let mut attempt = || unsafe {
        match source {
            Source::Rdrand => rdrand_once(),
            Source::Rdseed => rdseed_once(),
        }
    };
    let mut wait = || {
        if source.waits_between_tries() {
            core::hint::spin_loop(); // PAUSE
        }
    };
    draw(source.tries(), &mut attempt, &mut wait)
}

/// The source this CPU offers, from CPUID.
pub fn cpu_source() -> Option<Source> {
    use core::arch::x86_64::__cpuid_count;
    let max_leaf = __cpuid_count(0, 0).eax;
    let leaf1_ecx = if max_leaf >= 1 { __cpuid_count(1, 0).ecx } else { 0 };
    let leaf7_ebx = if max_leaf >= 7 { __cpuid_count(7, 0).ebx } else { 0 };
    choose(max_leaf, leaf1_ecx, leaf7_ebx)
}

/// The decision, made at the first call: not yet made, no usable
/// generator, or the source to use.
const UNDECIDED: u8 = 0;
const UNUSABLE: u8 = 1;
const RDSEED: u8 = 2;
const RDRAND: u8 = 3;
static DECISION: AtomicU8 = AtomicU8::new(UNDECIDED);

/// The usable source: CPUID and the health check decide once; a generator
/// that was not ready during the check is checked again next time.
fn usable_source() -> Option<Source> {
    match DECISION.load(Ordering::Relaxed) {
        UNUSABLE => return None,
        RDSEED => return Some(Source::Rdseed),
        RDRAND => return Some(Source::Rdrand),
        _ => {}
    }
    let Some(source) = cpu_source() else {
        DECISION.store(UNUSABLE, Ordering::Relaxed);
        return None;
    };
    match check_health(&mut || draw_from(source)) {
        Health::Working => {
            DECISION.store(if source == Source::Rdseed { RDSEED } else { RDRAND }, Ordering::Relaxed);
            Some(source)
        }
        Health::Stuck => {
            #[cfg(not(test))]
            crate::kprintln!("halvm: the CPU's {source:?} repeats its values; treating the CPU as having no random generator");
            DECISION.store(UNUSABLE, Ordering::Relaxed);
            None
        }
        Health::NotReady => None,
    }
}

/// Fills `buf` from the CPU's generator. Fails without one, also for an
/// empty `buf`, so that every call answers whether the CPU has one.
pub fn fill_from_cpu(buf: &mut [u8]) -> Result<(), GeneratorFailed> {
    let source = usable_source().ok_or(GeneratorFailed)?;
    fill(buf, &mut || draw_from(source))
}

/// platform.h: 0 when `buf` holds `len` random bytes, -1 otherwise.
#[no_mangle]
pub extern "C" fn halvm_entropy(buf: *mut core::ffi::c_void, len: usize) -> core::ffi::c_int {
    if buf.is_null() && len != 0 {
        return -1;
    }
    let bytes: &mut [u8] = if len == 0 {
        &mut []
    } else {
        // SAFETY: the caller passes `len` writable bytes at `buf` (platform.h).
        unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), len) }
    };
    match fill_from_cpu(bytes) {
        Ok(()) => 0,
        Err(GeneratorFailed) => -1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rdseed_is_preferred_and_leaf_7_counts_only_where_it_exists() {
        assert_eq!(choose(0x16, LEAF1_ECX_RDRAND, LEAF7_EBX_RDSEED), Some(Source::Rdseed));
        assert_eq!(choose(0x16, 0, LEAF7_EBX_RDSEED), Some(Source::Rdseed));
        assert_eq!(choose(0x16, LEAF1_ECX_RDRAND, 0), Some(Source::Rdrand));
        assert_eq!(choose(0x16, !LEAF1_ECX_RDRAND, !LEAF7_EBX_RDSEED), None);
        // a CPU whose highest leaf is 6 answers leaf 7 with garbage
        assert_eq!(choose(6, 0, LEAF7_EBX_RDSEED), None);
        assert_eq!(choose(6, LEAF1_ECX_RDRAND, LEAF7_EBX_RDSEED), Some(Source::Rdrand));
        assert_eq!(choose(0, LEAF1_ECX_RDRAND, LEAF7_EBX_RDSEED), None);
    }

    /// A generator that fails `failures` times, then counts up from 1.
    fn flaky(failures: u32) -> impl FnMut() -> Option<u64> {
        let (mut failed, mut next) = (0, 0);
        move || {
            if failed < failures {
                failed += 1;
                return None;
            }
            next += 1;
            Some(next)
        }
    }

    #[test]
    fn draw_retries_up_to_the_bound_and_waits_between_tries() {
        for tries in [1, 10, 1024] {
            let mut waits = 0;
            assert_eq!(draw(tries, &mut flaky(tries - 1), &mut || waits += 1), Some(1), "{tries} tries");
            assert_eq!(waits, tries - 1, "a wait between each two of {tries} tries");
            let mut attempts = 0;
            let mut counting = || {
                attempts += 1;
                None
            };
            assert_eq!(draw(tries, &mut counting, &mut || {}), None);
            assert_eq!(attempts, tries, "exactly {tries} attempts before giving up");
        }
        assert_eq!(draw(10, &mut flaky(10), &mut || {}), None);
    }

    #[test]
    fn sources_have_intels_retry_policies() {
        assert_eq!(Source::Rdrand.tries(), 10);
        assert!(!Source::Rdrand.waits_between_tries());
        assert!(Source::Rdseed.tries() > Source::Rdrand.tries());
        assert!(Source::Rdseed.waits_between_tries());
    }

    #[test]
    fn fill_uses_each_value_for_eight_bytes_and_the_last_partly() {
        for len in [0usize, 1, 7, 8, 9, 16, 33] {
            let mut buf = vec![0xeeu8; len];
            let mut values = 0u64;
            let mut next = || {
                values += 1;
                Some(0x0807_0605_0403_0201 * values)
            };
            assert_eq!(fill(&mut buf, &mut next), Ok(()));
            assert_eq!(values as usize, len.div_ceil(8), "values drawn for {len} bytes");
            let expected: Vec<u8> = (1..=values).flat_map(|k| (0x0807_0605_0403_0201 * k).to_le_bytes()).take(len).collect();
            assert_eq!(buf, expected, "{len} bytes");
        }
    }

    #[test]
    fn fill_fails_when_a_value_is_missing() {
        let mut buf = [0u8; 24];
        let mut calls = 0;
        let mut dies_after_two = || {
            calls += 1;
            (calls <= 2).then_some(7)
        };
        assert_eq!(fill(&mut buf, &mut dies_after_two), Err(GeneratorFailed));
    }

    #[test]
    fn health_check_rejects_stuck_and_silent_generators() {
        assert_eq!(check_health(&mut flaky(0)), Health::Working);
        assert_eq!(check_health(&mut || Some(u64::MAX)), Health::Stuck);
        let mut calls = 0u64;
        let mut sticks_late = || {
            calls += 1;
            Some(calls.min(HEALTH_SAMPLES as u64 - 1))
        };
        assert_eq!(check_health(&mut sticks_late), Health::Stuck);
        assert_eq!(check_health(&mut flaky(1)), Health::NotReady);
    }

    /// The real instructions on the host's CPU: the result must follow
    /// what the host CPU advertises (std's own detection, independent of
    /// `choose`), and two reads must differ.
    #[test]
    fn the_host_cpu_gives_bytes_exactly_when_it_has_a_generator() {
        let has = std::arch::is_x86_feature_detected!("rdrand") || std::arch::is_x86_feature_detected!("rdseed");
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        let ra = halvm_entropy(a.as_mut_ptr().cast(), a.len());
        let rb = halvm_entropy(b.as_mut_ptr().cast(), b.len());
        let empty = halvm_entropy(core::ptr::null_mut(), 0);
        if has {
            assert_eq!((ra, rb, empty), (0, 0, 0));
            assert_ne!(a, b, "two 32-byte reads were equal");
        } else {
            assert_eq!((ra, rb, empty), (-1, -1, -1), "no RDRAND/RDSEED on this host, yet halvm_entropy succeeded");
        }
        assert_eq!(halvm_entropy(core::ptr::null_mut(), 1), -1, "NULL with a length");
    }

    #[test]
    fn each_advertised_instruction_delivers_on_the_host() {
        if std::arch::is_x86_feature_detected!("rdrand") {
            let (x, y) = (draw_from(Source::Rdrand), draw_from(Source::Rdrand));
            assert!(x.is_some() && x != y, "RDRAND gave {x:?} then {y:?}");
        }
        if std::arch::is_x86_feature_detected!("rdseed") {
            let (x, y) = (draw_from(Source::Rdseed), draw_from(Source::Rdseed));
            assert!(x.is_some() && x != y, "RDSEED gave {x:?} then {y:?}");
        }
    }
}
