//! The legacy 8259 PICs. The firmware QEMU runs before our entry leaves
//! them routing the PIT to vectors 8-15, which overlap CPU exceptions;
//! they are moved to VECTOR_PIC_BASE and masked completely (the LAPIC
//! timer is used instead).

use crate::cpu::outb;
use crate::interrupts::VECTOR_PIC_BASE;

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
