{-# LANGUAGE ForeignFunctionInterface #-}
-- | vchan: a byte stream each way between two domains, compatible with
-- Xen's libxenvchan (so the other end may be @vchan-socket-proxy@ or any
-- libxenvchan program). Reads and writes block only the calling thread.
--
-- > import qualified Data.ByteString.Char8 as B
-- > import Hypervisor.Vchan
-- >
-- > -- Serve an echo at data/vchan for domain 0.
-- > main :: IO ()
-- > main = do
-- >   v <- serve 0 "data/vchan" 4096 4096
-- >   let loop = do
-- >         bytes <- receive v 4096
-- >         if B.null bytes then pure () else send v bytes >> loop
-- >   loop
-- >   close v
module Hypervisor.Vchan
  ( Vchan
  , serve
  , connect
  , send
  , receive
  , close
  , XenError (..)
  , XenErrorKind (..)
  ) where

import Control.Concurrent (threadDelay)
import Control.Exception (throwIO, try)
import qualified Data.ByteString as B
import qualified Data.ByteString.Internal as BI
import qualified Data.ByteString.Unsafe as BU
import Data.Word (Word32)
import Foreign.C.Error (Errno (..), eAGAIN)
import Foreign.C.String (CString, withCAString)
import Foreign.C.Types (CChar, CInt (..), CLong (..), CSize (..))
import Foreign.ForeignPtr (withForeignPtr)
import Foreign.Ptr (Ptr, castPtr)

import Hypervisor.Domain (DomainId)
import Hypervisor.EventChannel (port, waitEvent)
import Hypervisor.Internal.Errno

-- | An open channel.
data Vchan = Vchan { vchanHandle :: CInt, vchanPath :: String }

foreign import ccall safe "halvm/xen.h halvm_vchan_server" c_server :: Word32 -> CString -> CSize -> CSize -> IO CInt
foreign import ccall safe "halvm/xen.h halvm_vchan_client" c_client :: Word32 -> CString -> IO CInt
foreign import ccall unsafe "halvm/xen.h halvm_vchan_read" c_read :: CInt -> Ptr CChar -> CSize -> IO CLong
foreign import ccall unsafe "halvm/xen.h halvm_vchan_write" c_write :: CInt -> Ptr CChar -> CSize -> IO CLong
foreign import ccall unsafe "halvm/xen.h halvm_vchan_port" c_port :: CInt -> IO CInt
foreign import ccall unsafe "halvm/xen.h halvm_vchan_unsent" c_unsent :: CInt -> IO CLong
foreign import ccall safe "halvm/xen.h halvm_vchan_close" c_close :: CInt -> IO CInt

-- | Serves a channel at a XenStore path (relative: under this domain's
-- own) for one client domain, with rings of at least the given sizes
-- (client to server, server to client; at most 1 MiB each). The client
-- may connect at any time after.
serve :: DomainId -> String -> Int -> Int -> IO Vchan
serve client path readMin writeMin = withCAString path $ \p -> do
  h <- throwIfNegative "serve" path (c_server client p (fromIntegral readMin) (fromIntegral writeMin))
  pure (Vchan h path)

-- | Connects to the channel a domain serves at an (absolute) path,
-- waiting up to 10 s for the server to publish it.
connect :: DomainId -> String -> IO Vchan
connect server path = go (100 :: Int)
  where
    go tries = do
      r <- try (withCAString path $ \p -> throwIfNegative "connect" path (c_client server p))
      case r of
        Right h -> pure (Vchan h path)
        -- Until the server publishes its keys the store says NoSuchKey,
        -- or PermissionDenied where the nearest existing key is not ours
        -- to read (a server in dom0's own area): both mean "not yet".
        Left e | xenErrorKind e `elem` [NoSuchKey, PermissionDenied] && tries > 0 -> threadDelay 100000 >> go (tries - 1)
               | otherwise -> throwIO e

-- | Waits for the channel's next event.
waitForPeer :: Vchan -> IO ()
waitForPeer v = do
  p <- throwIfNegative "wait" (vchanPath v) (c_port (vchanHandle v))
  waitEvent (port (fromIntegral p))

isAgain :: CLong -> Bool
isAgain r = Errno (fromIntegral (negate r)) == eAGAIN

-- | Sends all the bytes, waiting while the ring is full. Throws
-- 'XenError' when the peer has closed (EPIPE) or broke the protocol.
send :: Vchan -> B.ByteString -> IO ()
send v bytes
  | B.null bytes = pure ()
  | otherwise = do
      r <- BU.unsafeUseAsCStringLen bytes $ \(ptr, len) ->
        c_write (vchanHandle v) ptr (fromIntegral len)
      if isAgain r
        then waitForPeer v >> send v bytes
        else do
          n <- throwIfNegative "send" (vchanPath v) (pure r)
          send v (B.drop (fromIntegral n) bytes)

-- | Receives up to the given number of bytes, waiting until at least one
-- arrives; the empty string means the peer closed and everything it sent
-- was received.
receive :: Vchan -> Int -> IO B.ByteString
receive v most = do
  (bytes, again) <- do
    fp <- BI.mallocByteString most
    r <- withForeignPtr fp $ \ptr -> c_read (vchanHandle v) (castPtr ptr) (fromIntegral most)
    if isAgain r
      then pure (B.empty, True)
      else do
        n <- throwIfNegative "receive" (vchanPath v) (pure r)
        pure (BI.fromForeignPtr fp 0 (fromIntegral n), False)
  if again then waitForPeer v >> receive v most else pure bytes

-- | Waits (up to 10 s) until the peer has read everything sent, then
-- closes the channel.
close :: Vchan -> IO ()
close v = drain (200 :: Int)
  where
    drain tries = do
      unsent <- c_unsent (vchanHandle v)
      if unsent > 0 && tries > 0
        then threadDelay 50000 >> drain (tries - 1)
        else () <$ throwIfNegative "close" (vchanPath v) (c_close (vchanHandle v))

