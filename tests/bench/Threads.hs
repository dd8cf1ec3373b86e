-- Many threads with MVars: a ring of 500 threads passing a token n
-- times, then many threads feeding one channel of MVars.
-- bench-sizes: quick=100000 full=500000
import Bench
import Control.Concurrent
import Control.Monad

ring :: Int -> Int -> IO Int
ring size hops = do
  first <- newEmptyMVar
  done <- newEmptyMVar
  let link i from = do
        to <- if i == size then return first else newEmptyMVar
        _ <- forkIO $ forever $ do
          t <- takeMVar from
          if t == 0 then putMVar done i else putMVar to (t - 1)
        when (i < size) (link (i + 1) to)
  link 1 first
  putMVar first hops
  takeMVar done

fanIn :: Int -> Int -> IO Int
fanIn workers each = do
  box <- newEmptyMVar
  forM_ [1 .. workers] $ \w -> forkIO (forM_ [1 .. each] (\k -> putMVar box (w * k)))
  sum <$> replicateM (workers * each) (takeMVar box)

main :: IO ()
main = benchIO "Threads" $ \n -> do
  winner <- ring 500 n
  total <- fanIn 1000 (max 1 (n `div` 1000))
  return (show (winner, total))
