-- Green threads on the non-threaded runtime: forkIO, MVar, Chan, and the
-- garbage collector's deadlock detection.
import Control.Concurrent
import Control.Exception
import Control.Monad
import System.Mem (performGC)

main :: IO ()
main = do
  -- Ten workers each send their partial sum down a channel.
  results <- newChan
  forM_ [1 .. 10 :: Int] $ \w ->
    forkIO $ writeChan results (w, sum [w * 1000 .. w * 1000 + 999])
  sums <- replicateM 10 (readChan results)
  putStrLn ("workers done: " ++ show (length sums))
  putStrLn ("total: " ++ show (sum (map snd sums)))
  -- Ping-pong through two MVars: a context switch every round.
  ping <- newEmptyMVar
  pong <- newEmptyMVar
  _ <- forkIO $ forM_ [1 .. 1000 :: Int] $ \i -> do
    n <- takeMVar ping
    putMVar pong (n + i)
  final <- foldM (\acc _ -> putMVar ping acc >> takeMVar pong) 0 [1 .. 1000 :: Int]
  putStrLn ("ping-pong result: " ++ show final)
  -- A thread waiting on an MVar nobody can fill gets BlockedIndefinitelyOnMVar.
  -- (main polls instead of blocking, or it would be found deadlocked too.)
  stuck <- newEmptyMVar :: IO (MVar ())
  done <- newEmptyMVar
  _ <- forkIO $ do
    r <- try (takeMVar stuck)
    putMVar done $ case r of
      Left BlockedIndefinitelyOnMVar -> "blocked indefinitely detected"
      Right () -> "took it"
  let poll = tryTakeMVar done >>= maybe (performGC >> threadDelay 1000 >> poll) return
  poll >>= putStrLn
