-- Unboxed mutable arrays: the sieve of Eratosthenes in an STUArray,
-- repeated, then a prefix sum over an immutable UArray.
-- bench-sizes: quick=2000000 full=5000000
import Bench
import Control.Monad
import Control.Monad.ST
import Data.Array.ST
import Data.Array.Unboxed

sieve :: Int -> UArray Int Bool
sieve n = runSTUArray $ do
  a <- newArray (2, n) True
  forM_ [2 .. n] $ \i -> do
    p <- readArray a i
    when (p && i * i <= n) $ forM_ [i * i, i * i + i .. n] $ \j -> writeArray a j False
  return a

main :: IO ()
main = benchPure "Sieve" $ \n ->
  let s = sieve n
      primes = [i | (i, True) <- assocs s]
      sums = listArray (0, length primes - 1) (scanl1 (\a b -> (a + b) `mod` 1000000007) primes) :: UArray Int Int
   in show (length primes, last primes, sums ! (length primes - 1))
