{-# LANGUAGE ForeignFunctionInterface #-}
-- | The toolstack's shutdown requests (@xl shutdown@, @xl reboot@) and
-- ending the unikernel with a reason of its own.
--
-- Without this module a request already reaches every program: the
-- runtime delivers it as 'Control.Exception.UserInterrupt' in the main
-- thread (like ^C on Linux), so @bracket@ and @finally@ handlers run. A
-- program that wants to decide for itself registers a handler:
--
-- > import Control.Concurrent
-- > import Hypervisor.Shutdown
-- >
-- > main :: IO ()
-- > main = do
-- >   onShutdownRequest $ \reason -> do
-- >     putStrLn ("asked to " ++ show reason ++ "; saving state")
-- >     shutdown reason
-- >   serveForever
-- >   where serveForever = threadDelay 1000000 >> serveForever
--
-- A program must end within the platform's grace period (5 s from the
-- request), or the platform stops it (exit status 125).
module Hypervisor.Shutdown
  ( Reason (..)
  , shutdownRequested
  , onShutdownRequest
  , shutdown
  ) where

import Control.Concurrent (isCurrentThreadBound)
import Foreign.C.Types (CInt (..))
import System.Exit (ExitCode (..), exitWith)
import System.IO (hFlush, stderr, stdout)
import System.Posix.Signals (Handler (..), installHandler, sigTERM)

-- | Why the domain is to end.
data Reason = Poweroff | Reboot
  deriving (Eq, Show)

foreign import ccall unsafe "halvm/xen.h halvm_xen_shutdown_requested" c_requested :: IO CInt
foreign import ccall unsafe "halvm/xen.h halvm_xen_set_exit_reason" c_set_exit_reason :: CInt -> IO CInt
foreign import ccall safe "shutdownHaskellAndExit" c_shutdownHaskellAndExit :: CInt -> CInt -> IO ()

-- | The reason of the latest request the toolstack made, if any.
shutdownRequested :: IO (Maybe Reason)
shutdownRequested = do
  r <- c_requested
  pure $ case r of
    1 -> Just Poweroff
    2 -> Just Reboot
    _ -> Nothing

-- | Runs the handler (in a thread of its own) when the toolstack asks the
-- domain to power off or reboot, instead of interrupting the main thread.
-- The runtime delivers requests as SIGTERM once a SIGTERM handler exists;
-- this installs one, replacing any other.
onShutdownRequest :: (Reason -> IO ()) -> IO ()
onShutdownRequest handler = do
  _ <- installHandler sigTERM (Catch run) Nothing
  pure ()
  where
    run = shutdownRequested >>= maybe (pure ()) handler

-- | Ends the unikernel with the given reason (Xen powers the domain off or
-- reboots it, whatever a toolstack request said; under bare QEMU the
-- machine just ends), with exit status 0. In the main thread this is
-- 'exitWith' 'ExitSuccess' (its @finally@ handlers run); in any other
-- thread it flushes stdout and stderr and ends the runtime at once.
shutdown :: Reason -> IO a
shutdown reason = do
  _ <- c_set_exit_reason (case reason of Poweroff -> 1; Reboot -> 2)
  isMain <- isCurrentThreadBound
  if isMain
    then exitWith ExitSuccess
    else do
      hFlush stdout
      hFlush stderr
      c_shutdownHaskellAndExit 0 0
      exitWith ExitSuccess -- not reached: the runtime has ended
