-- The garbage collector under load: a live structure kept across
-- collections while 20 times its size is allocated, explicit performGC,
-- and large objects.
import qualified Data.ByteString as B
import Data.List (foldl')
import qualified Data.Map.Strict as M
import System.Mem (performGC)

main :: IO ()
main = do
  -- About 4 MB live: a map of 50k boxed entries.
  let live = M.fromList [(i, show i) | i <- [1 .. 50000 :: Int]]
  print (M.size live)
  -- Allocate and drop 20x that, checking the live map survives each round.
  let churn r = foldl' (+) 0 (map (\x -> x * r `mod` 7919) [1 .. 400000 :: Int])
  mapM_ (\r -> do
           let s = churn r
           s `seq` performGC
           putStrLn ("round " ++ show r ++ ": " ++ show s ++ " " ++ M.findWithDefault "?" (r * 997) live))
        [1 .. 20]
  -- Large objects: 1 MB and 8 MB byte strings, built, collected, rebuilt.
  let big n = B.replicate n 0x5a
  mapM_ (\n -> do
           let b = big n
           print (B.length b, B.foldl' (\a w -> a + fromIntegral w) (0 :: Int) b)
           performGC)
        [1024 * 1024, 8 * 1024 * 1024, 1024 * 1024]
  print (M.foldl' (\a s -> a + length s) 0 live)
