//! Which machine the image runs on, decided once at boot.

use core::sync::atomic::{AtomicU8, Ordering};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Kind {
    /// No Xen underneath: booted directly by QEMU's PVH loader.
    Qemu = 0,
    XenDom0 = 1,
    XenDomU = 2,
}

static KIND: AtomicU8 = AtomicU8::new(Kind::Qemu as u8);

pub fn set_kind(k: Kind) {
    KIND.store(k as u8, Ordering::Relaxed);
}

pub fn kind() -> Kind {
    match KIND.load(Ordering::Relaxed) {
        1 => Kind::XenDom0,
        2 => Kind::XenDomU,
        _ => Kind::Qemu,
    }
}

pub fn on_xen() -> bool {
    kind() != Kind::Qemu
}
