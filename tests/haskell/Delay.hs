-- threadDelay sleeps as long as asked: measured with the monotonic clock
-- here, and from the console lines' arrival times by the test harness.
import Control.Concurrent
import Control.Monad
import GHC.Clock (getMonotonicTimeNSec)
import System.IO

main :: IO ()
main = do
  hSetBuffering stdout LineBuffering
  putStrLn "sleeping 200 ms"
  t0 <- getMonotonicTimeNSec
  threadDelay 200000
  t1 <- getMonotonicTimeNSec
  let ms = fromIntegral (t1 - t0) / 1e6 :: Double
  putStrLn "woke up"
  -- Never early. How late it may be depends on the machine: the test
  -- harness checks that from the console lines' arrival times.
  putStrLn ("200 ms delay not early: " ++ show (ms >= 200))
  -- Several sleepers wake in deadline order, not start order.
  order <- newChan
  forM_ [(3, 90000), (1, 30000), (2, 60000)] $ \(n, us) ->
    forkIO (threadDelay us >> writeChan order (n :: Int))
  woken <- replicateM 3 (readChan order)
  putStrLn ("wake-up order: " ++ show woken)
