//! Networking: the TCP/IP stack (smoltcp) behind halvm/net.h, and the
//! drivers it runs on. The socket layer (stack.rs), the configuration
//! (config.rs) and the virtqueue arithmetic (virtqueue.rs) are pure and
//! unit-tested on the host; PCI, the virtio-net driver and the C API exist
//! only in the freestanding library.

pub mod abi;
pub mod config;
pub mod stack;
pub mod virtqueue;

#[cfg(not(test))]
mod api;
#[cfg(not(test))]
mod pci;
#[cfg(not(test))]
mod virtio_net;

#[cfg(not(test))]
pub use api::{before_halt, on_interrupt, owns_vector};
