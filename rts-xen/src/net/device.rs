//! The network device the stack runs on: virtio-net directly under QEMU,
//! netfront as an ordinary Xen domain. One smoltcp `Device` over both, so
//! that api.rs holds one `Stack` whichever the platform chose.

use smoltcp::phy::{self, Device, DeviceCapabilities};
use smoltcp::time::Instant;

use super::netfront::{self, Netfront};
use super::virtio_net::{self, VirtioNet};

pub enum NetDevice {
    Virtio(VirtioNet),
    Netfront(Netfront),
}

impl NetDevice {
    /// Tells the device about buffers queued since the last call.
    pub fn flush(&mut self) {
        match self {
            NetDevice::Virtio(d) => d.flush(),
            NetDevice::Netfront(d) => d.flush(),
        }
    }

    /// Whether a received frame waits (netfront also asks for an event at
    /// the next one, so that a halt after a false answer ends on arrival).
    pub fn rx_pending(&mut self) -> bool {
        match self {
            NetDevice::Virtio(d) => d.rx_pending(),
            NetDevice::Netfront(d) => d.rx_pending(),
        }
    }
}

pub enum RxToken<'a> {
    Virtio(virtio_net::RxToken<'a>),
    Netfront(netfront::RxToken<'a>),
}

pub enum TxToken<'a> {
    Virtio(virtio_net::TxToken<'a>),
    Netfront(netfront::TxToken<'a>),
}

impl phy::RxToken for RxToken<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        match self {
            RxToken::Virtio(t) => t.consume(f),
            RxToken::Netfront(t) => t.consume(f),
        }
    }
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        match self {
            TxToken::Virtio(t) => t.consume(len, f),
            TxToken::Netfront(t) => t.consume(len, f),
        }
    }
}

impl Device for NetDevice {
    type RxToken<'a> = RxToken<'a>;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, now: Instant) -> Option<(RxToken<'_>, TxToken<'_>)> {
        match self {
            NetDevice::Virtio(d) => d.receive(now).map(|(r, t)| (RxToken::Virtio(r), TxToken::Virtio(t))),
            NetDevice::Netfront(d) => d.receive(now).map(|(r, t)| (RxToken::Netfront(r), TxToken::Netfront(t))),
        }
    }

    fn transmit(&mut self, now: Instant) -> Option<TxToken<'_>> {
        match self {
            NetDevice::Virtio(d) => d.transmit(now).map(TxToken::Virtio),
            NetDevice::Netfront(d) => d.transmit(now).map(TxToken::Netfront),
        }
    }

    fn capabilities(&self) -> DeviceCapabilities {
        match self {
            NetDevice::Virtio(d) => d.capabilities(),
            NetDevice::Netfront(d) => d.capabilities(),
        }
    }
}
