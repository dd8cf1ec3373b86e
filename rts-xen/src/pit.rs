//! The legacy 8254 PIT, used once on bare QEMU as a known-frequency
//! reference to measure the TSC against.

use crate::cpu;

const PIT_HZ: u64 = 1_193_182;
/// Measurement window: long enough that the emulator's jitter is small
/// against it, short enough not to slow down boot.
const WINDOW_MS: u64 = 50;

/// Counts TSC ticks across a PIT channel 2 one-shot countdown.
pub fn measure_tsc_hz() -> u64 {
    let count = (PIT_HZ * WINDOW_MS / 1000) as u16;
    // SAFETY: the standard PIT and port 0x61 gate/status bits.
    unsafe {
        // Gate channel 2 off, speaker off; program mode 0 (interrupt on
        // terminal count), binary, low then high byte.
        let port61 = cpu::inb(0x61) & !0x03;
        cpu::outb(0x61, port61);
        cpu::outb(0x43, 0b1011_0000);
        cpu::outb(0x42, count as u8);
        cpu::outb(0x42, (count >> 8) as u8);
        // Raising the gate starts the count; OUT2 (bit 5) rises at zero.
        cpu::outb(0x61, port61 | 0x01);
        let start = cpu::rdtsc();
        while cpu::inb(0x61) & 0x20 == 0 {
            core::hint::spin_loop();
        }
        let end = cpu::rdtsc();
        cpu::outb(0x61, port61);
        (end - start) * 1000 / WINDOW_MS
    }
}
