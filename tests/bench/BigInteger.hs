-- Integer arithmetic: a factorial, a Fibonacci number by fast doubling,
-- and gcds of large numbers; the digits are summed so that the line stays
-- short.
-- bench-sizes: quick=3000 full=10000
import Bench
import Data.Char (digitToInt)

fib :: Int -> Integer
fib n = fst (go n)
  where
    go 0 = (0, 1)
    go k =
      let (a, b) = go (k `div` 2)
          c = a * (2 * b - a)
          d = a * a + b * b
       in if even k then (c, d) else (d, c + d)

digitSum :: Integer -> Int
digitSum = sum . map digitToInt . show

main :: IO ()
main = benchPure "BigInteger" $ \n ->
  let f = product [1 .. toInteger n]
      b = fib (n * 20)
      g = foldl gcd 0 [f `div` toInteger k + b | k <- [1 .. 50 :: Int]]
   in show (digitSum f, length (show f), digitSum b, digitSum g, f `mod` 1000000007)
