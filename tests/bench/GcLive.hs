-- A long-running GC with a large live heap: a Map of n boxed entries stays
-- alive while rounds of updates replace a tenth of it, so every major
-- collection copies the whole map.
-- bench-sizes: quick=20000 full=100000
import Bench
import Data.List (foldl')
import qualified Data.Map.Strict as M

main :: IO ()
main = benchPure "GcLive" $ \n ->
  let start = M.fromList [(k, show k) | k <- [1 .. n]]
      rounds = 30
      update m r = foldl' (\acc k -> M.insert ((k * 7 + r) `mod` n) (show (k + r)) acc) m [r, r + 10 .. n]
      end = foldl' update start [1 .. rounds]
   in show (M.size end, M.foldl' (\a s -> a + length s) 0 end, M.lookupMin end, M.lookupMax end)
