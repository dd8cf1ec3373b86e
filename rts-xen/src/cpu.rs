//! Thin wrappers over the x86_64 instructions the platform layer needs.
//! Each is one instruction; `unsafe` because misuse breaks the machine.

use core::arch::asm;

#[inline]
pub unsafe fn outb(port: u16, value: u8) {
    asm!("out dx, al", in("dx") port, in("al") value, options(nomem, nostack, preserves_flags));
}

#[inline]
pub unsafe fn inb(port: u16) -> u8 {
    let v: u8;
    asm!("in al, dx", out("al") v, in("dx") port, options(nomem, nostack, preserves_flags));
    v
}

#[inline]
pub unsafe fn rdmsr(msr: u32) -> u64 {
    let (lo, hi): (u32, u32);
    asm!("rdmsr", in("ecx") msr, out("eax") lo, out("edx") hi, options(nomem, nostack, preserves_flags));
    (hi as u64) << 32 | lo as u64
}

#[inline]
pub unsafe fn wrmsr(msr: u32, value: u64) {
    asm!("wrmsr", in("ecx") msr, in("eax") value as u32, in("edx") (value >> 32) as u32,
         options(nostack, preserves_flags));
}

#[derive(Clone, Copy)]
pub struct Cpuid {
    pub eax: u32,
    pub ebx: u32,
    pub ecx: u32,
    pub edx: u32,
}

#[inline]
pub fn cpuid(leaf: u32, subleaf: u32) -> Cpuid {
    let r = core::arch::x86_64::__cpuid_count(leaf, subleaf);
    Cpuid { eax: r.eax, ebx: r.ebx, ecx: r.ecx, edx: r.edx }
}

#[inline]
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC is unprivileged and side-effect free (CR4.TSD is clear).
    unsafe { core::arch::x86_64::_rdtsc() }
}

#[inline]
pub fn read_cr2() -> u64 {
    let v: u64;
    // SAFETY: reading CR2 has no side effects; we run in ring 0.
    unsafe { asm!("mov {}, cr2", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

/// Reloads CR3, flushing every non-global TLB entry.
#[inline]
pub unsafe fn flush_tlb() {
    asm!("mov {tmp}, cr3", "mov cr3, {tmp}", tmp = out(reg) _, options(nostack, preserves_flags));
}

#[inline]
pub fn interrupts_enabled() -> bool {
    let flags: u64;
    // SAFETY: reading RFLAGS has no side effects.
    unsafe { asm!("pushfq", "pop {}", out(reg) flags, options(preserves_flags)) };
    flags & (1 << 9) != 0
}

#[inline]
pub unsafe fn disable_interrupts() {
    asm!("cli", options(nomem, nostack));
}

#[inline]
pub unsafe fn enable_interrupts() {
    asm!("sti", options(nomem, nostack));
}

/// Enables interrupts and halts in one step: STI's one-instruction
/// interrupt shadow means no interrupt can slip in between the two, so a
/// wake-up that became due after the caller's last check is never lost.
#[inline]
pub unsafe fn enable_interrupts_and_halt() {
    asm!("sti", "hlt", options(nomem, nostack));
}

/// Halts forever with interrupts off: the end of the line when nothing
/// else can be done.
pub fn halt_forever() -> ! {
    loop {
        // SAFETY: stopping the CPU is always safe.
        unsafe { asm!("cli", "hlt", options(nomem, nostack)) };
    }
}

/// Runs `f` with interrupts disabled, restoring the previous state after.
#[inline]
pub fn without_interrupts<R>(f: impl FnOnce() -> R) -> R {
    let was = interrupts_enabled();
    // SAFETY: disabling interrupts only delays them.
    unsafe { disable_interrupts() };
    let r = f();
    if was {
        // SAFETY: restores the state the caller had.
        unsafe { enable_interrupts() };
    }
    r
}
