{-# LANGUAGE ForeignFunctionInterface #-}
-- | Xen event channels: one-bit notifications between domains (and from
-- Xen's virtual IRQs). Waiting for an event blocks only the calling
-- Haskell thread.
--
-- > import Hypervisor.EventChannel
-- >
-- > -- Offer a port to domain 0 and wait until it signals it.
-- > main :: IO ()
-- > main = do
-- >   port <- allocUnbound 0
-- >   putStrLn ("tell dom0 to bind port " ++ show (portNumber port))
-- >   waitEvent port
-- >   putStrLn "signalled"
-- >   close port
--
-- Only under Xen; under bare QEMU every call throws 'XenError' with
-- 'NoXenStore' (ENODEV).
module Hypervisor.EventChannel
  ( Port
  , portNumber
  , port
  , allocUnbound
  , bindInterdomain
  , bindVirq
  , notify
  , close
  , waitEvent
  , takeEvent
  , XenError (..)
  , XenErrorKind (..)
  ) where

import Data.Word (Word32)
import Foreign.C.Types (CInt (..))

import Hypervisor.Domain (DomainId)
import Hypervisor.Internal.Errno
import Hypervisor.Internal.Wait

-- | A local event-channel port of this program.
newtype Port = Port Word32
  deriving (Eq, Ord, Show)

-- | The port's number, to tell a peer (e.g. through XenStore).
portNumber :: Port -> Word32
portNumber (Port p) = p

-- | A port by number (one this program bound, e.g. a vchan's).
port :: Word32 -> Port
port = Port

foreign import ccall unsafe "halvm/xen.h halvm_evtchn_alloc_unbound" c_alloc_unbound :: Word32 -> IO CInt
foreign import ccall unsafe "halvm/xen.h halvm_evtchn_bind_interdomain" c_bind_interdomain :: Word32 -> Word32 -> IO CInt
foreign import ccall unsafe "halvm/xen.h halvm_evtchn_bind_virq" c_bind_virq :: Word32 -> IO CInt
foreign import ccall unsafe "halvm/xen.h halvm_evtchn_notify" c_notify :: Word32 -> IO CInt
foreign import ccall unsafe "halvm/xen.h halvm_evtchn_close" c_close :: Word32 -> IO CInt
foreign import ccall unsafe "halvm/xen.h halvm_evtchn_take" c_take :: Word32 -> IO CInt

newPort :: String -> String -> IO CInt -> IO Port
newPort op subject act = Port . fromIntegral <$> throwIfNegative op subject act

-- | A new port that the given domain may bind with 'bindInterdomain'.
allocUnbound :: DomainId -> IO Port
allocUnbound dom = newPort "allocUnbound" ("domain " ++ show dom) (c_alloc_unbound dom)

-- | Binds another domain's unbound port to a new local one.
bindInterdomain :: DomainId -> Word32 -> IO Port
bindInterdomain dom remote =
  newPort "bindInterdomain" ("domain " ++ show dom ++ " port " ++ show remote) (c_bind_interdomain dom remote)

-- | Binds one of Xen's virtual IRQs (VIRQ_DEBUG is 1; VIRQ_TIMER is the
-- platform's own and refused).
bindVirq :: Word32 -> IO Port
bindVirq virq = newPort "bindVirq" ("VIRQ " ++ show virq) (c_bind_virq virq)

-- | Signals the other end.
notify :: Port -> IO ()
notify (Port p) = () <$ throwIfNegative "notify" ("port " ++ show p) (c_notify p)

-- | Closes the port.
close :: Port -> IO ()
close (Port p) = () <$ throwIfNegative "close" ("port " ++ show p) (c_close p)

-- | Whether the port fired since the last take (and takes that event).
takeEvent :: Port -> IO Bool
takeEvent (Port p) = (== 1) <$> throwIfNegative "takeEvent" ("port " ++ show p) (c_take p)

-- | Waits until the port fires (an event that arrived since the last
-- take counts). Blocks only the calling thread; other threads run.
waitEvent :: Port -> IO ()
waitEvent p = pollUntil $ do
  fired <- takeEvent p
  pure (if fired then Just () else Nothing)
