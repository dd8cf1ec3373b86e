//! Networking: the TCP/IP stack (smoltcp) behind halvm/net.h, and the
//! drivers it runs on. The socket layer (stack.rs), the configuration
//! (config.rs), the DNS resolver (dns.rs, resolver.rs) and the virtqueue
//! arithmetic (virtqueue.rs) are pure and unit-tested on the host, as are
//! Xen's netif rings (netif.rs); PCI, the drivers (virtio-net, netfront)
//! and the C API exist only in the freestanding library.

pub mod abi;
pub mod config;
pub mod dns;
pub mod loopback;
pub mod netif;
pub mod resolver;
pub mod stack;
pub mod virtqueue;

#[cfg(not(test))]
mod api;
#[cfg(not(test))]
mod pci;
#[cfg(not(test))]
mod virtio_net;
#[cfg(not(test))]
mod netfront;
#[cfg(not(test))]
mod device;

#[cfg(not(test))]
pub use api::{before_halt, on_interrupt, on_netfront_event, owns_vector};
#[cfg(not(test))]
pub use netfront::PORT as NETFRONT_PORT;
