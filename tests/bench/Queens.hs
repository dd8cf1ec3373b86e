-- Allocation-heavy pure code: all solutions of the n-queens problem by
-- list comprehension (short-lived cons cells by the million).
-- bench-sizes: quick=11 full=12
import Bench

queens :: Int -> [[Int]]
queens n = go n
  where
    go 0 = [[]]
    go k = [q : qs | qs <- go (k - 1), q <- [1 .. n], safe q qs]
    safe q qs = and [q /= c && abs (q - c) /= d | (d, c) <- zip [1 ..] qs]

main :: IO ()
main = benchPure "Queens" $ \n ->
  let sols = queens n in show (length sols, sum (map sum sols), head sols)
