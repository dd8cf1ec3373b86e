//! The C99 math library for halvm, from the Rust `libm` crate (a port of
//! musl's libm, itself from FreeBSD's msun, the lineage openlibm comes from).
//!
//! Each function is an `extern "C"` wrapper with the C prototype from
//! `minlibc/include/math.h`. A few C99 functions the crate lacks are built
//! here from its primitives: `nearbyint` (= `rint`: there are no floating-
//! point exception flags to preserve and the rounding mode is always
//! to-nearest), `lrint`/`llrint`, `lround`/`llround`, `logb`, `scalbln`,
//! `nan`. `long double` functions are not provided.
#![no_std]

#[cfg(all(feature = "c-names", feature = "prefixed-names"))]
compile_error!("choose one of the features c-names and prefixed-names");

/// Defines an exported function under its C name (`c-names`), under
/// `ml_<name>` (`prefixed-names`), or unexported (neither).
macro_rules! export {
    ($(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty $body:block)*) => {$(
        #[cfg_attr(feature = "c-names", no_mangle)]
        #[cfg_attr(feature = "prefixed-names", export_name = concat!("ml_", stringify!($name)))]
        pub extern "C" fn $name($($arg: $ty),*) -> $ret $body
    )*};
}

/// One-argument and two-argument functions the crate has under the same
/// name and signature as C.
macro_rules! direct {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        export! { $(fn $name($($arg: $ty),*) -> $ret { libm::$name($($arg),*) })* }
    };
}

direct! {
    acos(x: f64) -> f64; acosf(x: f32) -> f32;
    asin(x: f64) -> f64; asinf(x: f32) -> f32;
    atan(x: f64) -> f64; atanf(x: f32) -> f32;
    atan2(y: f64, x: f64) -> f64; atan2f(y: f32, x: f32) -> f32;
    cos(x: f64) -> f64; cosf(x: f32) -> f32;
    sin(x: f64) -> f64; sinf(x: f32) -> f32;
    tan(x: f64) -> f64; tanf(x: f32) -> f32;
    asinh(x: f64) -> f64; asinhf(x: f32) -> f32;
    atanh(x: f64) -> f64; atanhf(x: f32) -> f32;
    cosh(x: f64) -> f64; coshf(x: f32) -> f32;
    sinh(x: f64) -> f64; sinhf(x: f32) -> f32;
    tanh(x: f64) -> f64; tanhf(x: f32) -> f32;
    exp(x: f64) -> f64; expf(x: f32) -> f32;
    exp2(x: f64) -> f64; exp2f(x: f32) -> f32;
    exp10(x: f64) -> f64; exp10f(x: f32) -> f32;
    expm1(x: f64) -> f64; expm1f(x: f32) -> f32;
    ilogb(x: f64) -> i32; ilogbf(x: f32) -> i32;
    ldexp(x: f64, n: i32) -> f64; ldexpf(x: f32, n: i32) -> f32;
    log(x: f64) -> f64; logf(x: f32) -> f32;
    log10(x: f64) -> f64; log10f(x: f32) -> f32;
    log1p(x: f64) -> f64; log1pf(x: f32) -> f32;
    log2(x: f64) -> f64; log2f(x: f32) -> f32;
    scalbn(x: f64, n: i32) -> f64; scalbnf(x: f32, n: i32) -> f32;
    cbrt(x: f64) -> f64; cbrtf(x: f32) -> f32;
    fabs(x: f64) -> f64; fabsf(x: f32) -> f32;
    hypot(x: f64, y: f64) -> f64; hypotf(x: f32, y: f32) -> f32;
    pow(x: f64, y: f64) -> f64; powf(x: f32, y: f32) -> f32;
    sqrt(x: f64) -> f64; sqrtf(x: f32) -> f32;
    erf(x: f64) -> f64; erff(x: f32) -> f32;
    erfc(x: f64) -> f64; erfcf(x: f32) -> f32;
    tgamma(x: f64) -> f64; tgammaf(x: f32) -> f32;
    ceil(x: f64) -> f64; ceilf(x: f32) -> f32;
    floor(x: f64) -> f64; floorf(x: f32) -> f32;
    rint(x: f64) -> f64; rintf(x: f32) -> f32;
    round(x: f64) -> f64; roundf(x: f32) -> f32;
    trunc(x: f64) -> f64; truncf(x: f32) -> f32;
    fmod(x: f64, y: f64) -> f64; fmodf(x: f32, y: f32) -> f32;
    remainder(x: f64, y: f64) -> f64; remainderf(x: f32, y: f32) -> f32;
    copysign(x: f64, y: f64) -> f64; copysignf(x: f32, y: f32) -> f32;
    nextafter(x: f64, y: f64) -> f64; nextafterf(x: f32, y: f32) -> f32;
    fdim(x: f64, y: f64) -> f64; fdimf(x: f32, y: f32) -> f32;
    fmax(x: f64, y: f64) -> f64; fmaxf(x: f32, y: f32) -> f32;
    fmin(x: f64, y: f64) -> f64; fminf(x: f32, y: f32) -> f32;
    fma(x: f64, y: f64, z: f64) -> f64; fmaf(x: f32, y: f32, z: f32) -> f32;
    j0(x: f64) -> f64; j0f(x: f32) -> f32;
    j1(x: f64) -> f64; j1f(x: f32) -> f32;
    jn(n: i32, x: f64) -> f64; jnf(n: i32, x: f32) -> f32;
    y0(x: f64) -> f64; y0f(x: f32) -> f32;
    y1(x: f64) -> f64; y1f(x: f32) -> f32;
    yn(n: i32, x: f64) -> f64; ynf(n: i32, x: f32) -> f32;
}

// C functions that return a second result through a pointer. A null
// pointer is a caller bug in C too; it is not checked (like glibc).
export! {
    fn frexp(x: f64, e: *mut i32) -> f64 { let (m, k) = libm::frexp(x); unsafe { *e = k }; m }
    fn frexpf(x: f32, e: *mut i32) -> f32 { let (m, k) = libm::frexpf(x); unsafe { *e = k }; m }
    fn modf(x: f64, ip: *mut f64) -> f64 { let (f, i) = libm::modf(x); unsafe { *ip = i }; f }
    fn modff(x: f32, ip: *mut f32) -> f32 { let (f, i) = libm::modff(x); unsafe { *ip = i }; f }
    fn remquo(x: f64, y: f64, q: *mut i32) -> f64 { let (r, k) = libm::remquo(x, y); unsafe { *q = k }; r }
    fn remquof(x: f32, y: f32, q: *mut i32) -> f32 { let (r, k) = libm::remquof(x, y); unsafe { *q = k }; r }
    fn lgamma_r(x: f64, s: *mut i32) -> f64 { let (r, k) = libm::lgamma_r(x); unsafe { *s = k }; r }
    fn lgammaf_r(x: f32, s: *mut i32) -> f32 { let (r, k) = libm::lgammaf_r(x); unsafe { *s = k }; r }
    fn sincos(x: f64, s: *mut f64, c: *mut f64) -> () { let (a, b) = libm::sincos(x); unsafe { *s = a; *c = b } }
    fn sincosf(x: f32, s: *mut f32, c: *mut f32) -> () { let (a, b) = libm::sincosf(x); unsafe { *s = a; *c = b } }
}

// The crate's acosh (musl's algorithm) answers x <= -2 with a number
// instead of NaN: it never looks at the sign. C99 F.9.2.1: a domain error
// (NaN) for x < 1.
export! {
    fn acosh(x: f64) -> f64 { if x < 1.0 { f64::NAN } else { libm::acosh(x) } }
    fn acoshf(x: f32) -> f32 { if x < 1.0 { f32::NAN } else { libm::acoshf(x) } }
}

/// Rounds to an integer type the way C99 specifies for lrint/lround:
/// the value if it fits, otherwise (NaN, infinity, out of range) the
/// unspecified result x86_64 hardware produces, the minimum integer.
fn to_i64(x: f64) -> i64 {
    if x.is_nan() || x >= 9223372036854775808.0 || x < -9223372036854775808.0 {
        i64::MIN
    } else {
        x as i64
    }
}

export! {
    fn nearbyint(x: f64) -> f64 { libm::rint(x) }
    fn nearbyintf(x: f32) -> f32 { libm::rintf(x) }
    fn lrint(x: f64) -> i64 { to_i64(libm::rint(x)) }
    fn lrintf(x: f32) -> i64 { to_i64(libm::rintf(x) as f64) }
    fn llrint(x: f64) -> i64 { to_i64(libm::rint(x)) }
    fn llrintf(x: f32) -> i64 { to_i64(libm::rintf(x) as f64) }
    fn lround(x: f64) -> i64 { to_i64(libm::round(x)) }
    fn lroundf(x: f32) -> i64 { to_i64(libm::roundf(x) as f64) }
    fn llround(x: f64) -> i64 { to_i64(libm::round(x)) }
    fn llroundf(x: f32) -> i64 { to_i64(libm::roundf(x) as f64) }
    fn scalbln(x: f64, n: i64) -> f64 { libm::scalbn(x, n.clamp(i32::MIN as i64, i32::MAX as i64) as i32) }
    fn scalblnf(x: f32, n: i64) -> f32 { libm::scalbnf(x, n.clamp(i32::MIN as i64, i32::MAX as i64) as i32) }
    fn logb(x: f64) -> f64 { logb_f64(x) }
    fn logbf(x: f32) -> f32 { logb_f64(x as f64) as f32 }
    fn nan(tag: *const u8) -> f64 { let _ = tag; f64::NAN }
    fn nanf(tag: *const u8) -> f32 { let _ = tag; f32::NAN }
}

/// logb: the unbiased exponent as a float; -inf for 0, +inf for infinities,
/// NaN for NaN (C99 F.9.3.11). Subnormals report their true exponent.
fn logb_f64(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else if x.is_infinite() {
        f64::INFINITY
    } else {
        libm::ilogb(x) as f64
    }
}

/// The sign of the last lgamma/lgammaf result, as C specifies.
#[cfg_attr(feature = "c-names", no_mangle)]
#[cfg_attr(feature = "prefixed-names", export_name = "ml_signgam")]
#[allow(non_upper_case_globals)] // the C name
pub static mut signgam: i32 = 0;

fn set_signgam(s: i32) {
    // One CPU, no threads: the plain store C's signgam has always been.
    unsafe { core::ptr::addr_of_mut!(signgam).write(s) }
}

export! {
    fn lgamma(x: f64) -> f64 { let (r, s) = libm::lgamma_r(x); set_signgam(s); r }
    fn lgammaf(x: f32) -> f32 { let (r, s) = libm::lgammaf_r(x); set_signgam(s); r }
}

/// The precompiled `core` inside the static library refers to the unwinding
/// personality from its unwind tables. Nothing unwinds here (panic=abort,
/// and the panic handler stops the CPU), so a never-called definition
/// satisfies the reference inside libm.a; sealing (xtask/src/minlibc.rs)
/// makes it local, so it cannot meet rts-xen's own.
#[cfg(feature = "panic-handler")]
#[no_mangle]
extern "C" fn rust_eh_personality() {}

#[cfg(feature = "panic-handler")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // libm's functions do not panic for any input; reaching this is a bug in
    // the crate. There is no unwinding in a unikernel: stop the CPU.
    loop {
        unsafe { core::arch::asm!("ud2", options(noreturn)) }
    }
}
