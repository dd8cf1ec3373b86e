-- Data.Map and Data.IntMap: inserts, lookups, deletions and folds over
-- keys from a linear congruential generator.
-- bench-sizes: quick=40000 full=100000
import Bench
import Data.List (foldl')
import qualified Data.IntMap.Strict as IM
import qualified Data.Map.Strict as M

keys :: Int -> [Int]
keys n = take n (tail (iterate (\x -> (x * 1103515245 + 12345) `mod` 2147483648) 42))

main :: IO ()
main = benchPure "Maps" $ \n ->
  let ks = keys n
      m = foldl' (\acc (i, k) -> M.insertWith (+) (k `mod` (n * 4)) i acc) M.empty (zip [1 ..] ks)
      hits = length [() | k <- ks, M.member ((k * 7) `mod` (n * 4)) m]
      m' = foldl' (flip M.delete) m (take (n `div` 2) ks)
      im = IM.fromListWith (+) [(k `mod` 65536, 1 :: Int) | k <- ks]
      im' = IM.filter (> 1) (IM.unionWith (+) im (IM.map (* 2) im))
   in show (M.size m, hits, M.size m', M.foldlWithKey' (\a k v -> (a + k * v) `mod` 1000003) 0 m',
            IM.size im, IM.size im', IM.foldl' (+) 0 im')
