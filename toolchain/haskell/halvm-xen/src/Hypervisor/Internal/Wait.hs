-- | Waiting for something the platform reports without blocking (a watch
-- event, a port's event) while blocking only the calling Haskell thread.
module Hypervisor.Internal.Wait (pollUntil) where

import Control.Concurrent (threadDelay)

-- | Runs the check until it gives a result, sleeping between tries in
-- 'threadDelay' (so other threads run and an idle unikernel halts), with
-- pauses growing from 0.5 ms to 20 ms: at most 20 ms of added latency.
pollUntil :: IO (Maybe a) -> IO a
pollUntil check = go 500
  where
    go pause = do
      r <- check
      case r of
        Just x -> pure x
        Nothing -> threadDelay pause >> go (min 20000 (pause * 2))
