//! PCI configuration space through the legacy I/O ports 0xCF8/0xCFC
//! (configuration mechanism #1, which QEMU's pc and q35 machines have),
//! and the port I/O the legacy virtio transport needs.
//!
//! Only bus 0 is scanned: QEMU puts the devices of `-device` there unless
//! told to use a bridge. The firmware QEMU runs before the PVH entry
//! (SeaBIOS) has assigned the BARs and the interrupt lines already.

use core::arch::asm;

const CONFIG_ADDRESS: u16 = 0xcf8;
const CONFIG_DATA: u16 = 0xcfc;

pub const COMMAND: u8 = 0x04;
pub const COMMAND_IO: u16 = 1 << 0;
pub const COMMAND_BUS_MASTER: u16 = 1 << 2;
pub const COMMAND_INTX_DISABLE: u16 = 1 << 10;
pub const BAR0: u8 = 0x10;
pub const INTERRUPT_LINE: u8 = 0x3c;

pub unsafe fn outl(port: u16, v: u32) {
    asm!("out dx, eax", in("dx") port, in("eax") v, options(nomem, nostack, preserves_flags));
}
pub unsafe fn inl(port: u16) -> u32 {
    let v: u32;
    asm!("in eax, dx", out("eax") v, in("dx") port, options(nomem, nostack, preserves_flags));
    v
}
pub unsafe fn outw(port: u16, v: u16) {
    asm!("out dx, ax", in("dx") port, in("ax") v, options(nomem, nostack, preserves_flags));
}
pub unsafe fn inw(port: u16) -> u16 {
    let v: u16;
    asm!("in ax, dx", out("ax") v, in("dx") port, options(nomem, nostack, preserves_flags));
    v
}
pub use crate::cpu::{inb, outb};

/// One function on bus 0.
#[derive(Clone, Copy, Debug)]
pub struct Function {
    pub device: u8,
    pub function: u8,
}

impl Function {
    fn address(self, offset: u8) -> u32 {
        0x8000_0000 | (self.device as u32) << 11 | (self.function as u32) << 8 | (offset & 0xfc) as u32
    }

    pub fn read32(self, offset: u8) -> u32 {
        // SAFETY: configuration mechanism #1: select, then read the data port.
        unsafe {
            outl(CONFIG_ADDRESS, self.address(offset));
            inl(CONFIG_DATA)
        }
    }

    pub fn read16(self, offset: u8) -> u16 {
        (self.read32(offset) >> ((offset & 2) * 8)) as u16
    }

    pub fn read8(self, offset: u8) -> u8 {
        (self.read32(offset) >> ((offset & 3) * 8)) as u8
    }

    pub fn write16(self, offset: u8, v: u16) {
        // SAFETY: as in read32; a 16-bit access at its offset in the dword.
        unsafe {
            outl(CONFIG_ADDRESS, self.address(offset));
            outw(CONFIG_DATA + (offset & 2) as u16, v);
        }
    }
}

/// The first function on bus 0 with this vendor and device id.
pub fn find(vendor: u16, device: u16) -> Option<Function> {
    for d in 0..32u8 {
        let f0 = Function { device: d, function: 0 };
        if f0.read16(0) == 0xffff {
            continue;
        }
        // header type bit 7: a multi-function device
        let functions = if f0.read8(0x0e) & 0x80 != 0 { 8 } else { 1 };
        for f in 0..functions {
            let func = Function { device: d, function: f };
            let id = func.read32(0);
            if id as u16 == vendor && (id >> 16) as u16 == device {
                return Some(func);
            }
        }
    }
    None
}
