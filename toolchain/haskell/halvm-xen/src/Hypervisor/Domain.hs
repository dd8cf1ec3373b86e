{-# LANGUAGE ForeignFunctionInterface #-}
-- | Who and where the unikernel is.
--
-- > import Hypervisor.Domain
-- >
-- > main :: IO ()
-- > main = do
-- >   p <- platform
-- >   print p
-- >   case p of
-- >     XenGuest -> do
-- >       i <- domainId
-- >       n <- domainName
-- >       putStrLn ("I am domain " ++ show i ++ ", " ++ n)
-- >     _ -> pure ()
module Hypervisor.Domain
  ( Platform (..)
  , platform
  , DomainId
  , domainId
  , domainName
  , XenError (..)
  , XenErrorKind (..)
  ) where

import Data.Word (Word32)
import Foreign.C.String (peekCAStringLen)
import Foreign.C.Types (CInt (..), CLong (..), CSize (..), CChar)
import Foreign.Marshal.Alloc (alloca, allocaBytes)
import Foreign.Ptr (Ptr)
import Foreign.Storable (peek)

import Hypervisor.Internal.Errno

-- | What the image booted on.
data Platform
  = Qemu              -- ^ directly under QEMU, no Xen
  | XenInitialDomain  -- ^ Xen's initial domain (dom0)
  | XenGuest          -- ^ an ordinary Xen domain (domU), created by a toolstack such as xl
  deriving (Eq, Show)

-- | A Xen domain id.
type DomainId = Word32

foreign import ccall unsafe "halvm/platform.h halvm_platform" c_platform :: IO CInt
foreign import ccall safe "halvm/xen.h halvm_xen_domid" c_domid :: Ptr Word32 -> IO CInt
foreign import ccall safe "halvm/xen.h halvm_xen_name" c_name :: Ptr CChar -> CSize -> IO CLong

-- | The platform the image found itself on.
platform :: IO Platform
platform = do
  k <- c_platform
  pure $ case k of
    1 -> XenInitialDomain
    2 -> XenGuest
    _ -> Qemu

-- | This domain's id: 0 for Xen's initial domain; an ordinary domain reads
-- it from XenStore (its @domid@ key). Throws a 'XenError' ('NoXenStore')
-- under bare QEMU.
domainId :: IO DomainId
domainId = do
  p <- platform
  case p of
    XenInitialDomain -> pure 0
    _ -> alloca $ \out -> do
      _ <- throwIfNegative "domainId" "domid" (c_domid out)
      peek out

-- | This domain's name as the toolstack gave it (its @name@ key in
-- XenStore). Throws a 'XenError' ('NoXenStore') where there is no
-- XenStore connection (bare QEMU, Xen's initial domain).
domainName :: IO String
domainName = allocaBytes bufferSize $ \buf -> do
  n <- throwIfNegative "domainName" "name" (c_name buf (fromIntegral bufferSize))
  peekCAStringLen (buf, fromIntegral n)
  where
    bufferSize = 4097 -- HALVM_XS_PAYLOAD_MAX + 1 always suffices
