//! The legacy 8259 PICs. The firmware QEMU runs before our entry leaves
//! them routing the PIT to vectors 8-15, which overlap CPU exceptions;
//! they are moved to VECTOR_PIC_BASE and masked, all but COM1's IRQ 4
//! (console input wakes a halted CPU); the LAPIC timer replaces the PIT.

use crate::cpu::outb;
use crate::interrupts::VECTOR_PIC_BASE;

/// The legacy IRQ of COM1.
pub const IRQ_COM1: u8 = 4;

pub fn remap_and_mask() {
    // SAFETY: the standard ICW1-4 initialisation sequence of both PICs.
    unsafe {
        outb(0x20, 0x11);
        outb(0xa0, 0x11);
        outb(0x21, VECTOR_PIC_BASE);
        outb(0xa1, VECTOR_PIC_BASE + 8);
        outb(0x21, 0x04);
        outb(0xa1, 0x02);
        outb(0x21, 0x01);
        outb(0xa1, 0x01);
        outb(0x21, 0xff);
        outb(0xa1, 0xff);
    }
}

/// Lets one legacy IRQ through (IRQs 0-7, the first PIC).
pub fn unmask(irq: u8) {
    debug_assert!(irq < 8);
    // SAFETY: reading and writing the first PIC's mask register.
    unsafe { outb(0x21, crate::cpu::inb(0x21) & !(1 << irq)) };
}

/// Ends the first PIC's current interrupt.
pub fn eoi() {
    // SAFETY: non-specific EOI command to the first PIC.
    unsafe { outb(0x20, 0x20) };
}

/// Lets any legacy IRQ (0-15) through; one on the second PIC also needs
/// the cascade line (IRQ 2) of the first.
pub fn unmask_line(irq: u8) {
    if irq < 8 {
        return unmask(irq);
    }
    unmask(2);
    // SAFETY: reading and writing the second PIC's mask register.
    unsafe { outb(0xa1, crate::cpu::inb(0xa1) & !(1 << (irq - 8))) };
}

/// Ends the current interrupt of legacy IRQ `irq` (both PICs for 8-15).
pub fn eoi_line(irq: u8) {
    if irq >= 8 {
        // SAFETY: non-specific EOI command to the second PIC.
        unsafe { outb(0xa0, 0x20) };
    }
    eoi();
}
