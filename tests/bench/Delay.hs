-- threadDelay-driven timing: n sleeps of 1 ms in a row, then 20 threads
-- that each sleep a different multiple of 5 ms at once. The time is mostly
-- the timer's precision: ideally n ms + 100 ms. The result is what must
-- hold anywhere: every sleep lasted at least what was asked and every
-- thread woke (the order of wake-ups is not checked: on a loaded machine
-- two threads 5 ms apart may wake in one tick).
-- bench-sizes: quick=100 full=300
import Bench
import Control.Concurrent
import Control.Monad
import GHC.Clock (getMonotonicTimeNSec)

-- | Sleeps for `us` microseconds; whether it slept at least that long.
sleepAtLeast :: Int -> IO Bool
sleepAtLeast us = do
  t0 <- getMonotonicTimeNSec
  threadDelay us
  t1 <- getMonotonicTimeNSec
  return (t1 - t0 >= fromIntegral us * 1000)

main :: IO ()
main = benchIO "Delay" $ \n -> do
  serial <- replicateM n (sleepAtLeast 1000)
  done <- newEmptyMVar
  forM_ (reverse [1 .. 20 :: Int]) $ \i -> forkIO (sleepAtLeast (i * 5000) >>= putMVar done)
  parallel <- replicateM 20 (takeMVar done)
  return (show (length (filter id serial), length (filter id parallel)))
