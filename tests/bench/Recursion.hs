-- Deep recursion: non-tail-recursive functions whose stack grows to
-- millions of frames (the runtime grows the stack in chunks), and
-- Ackermann's function.
-- bench-sizes: quick=500000 full=2000000
import Bench

sumTo :: Int -> Integer
sumTo 0 = 0
sumTo k = toInteger k + sumTo (k - 1)

ack :: Int -> Int -> Int
ack 0 n = n + 1
ack m 0 = ack (m - 1) 1
ack m n = ack (m - 1) (ack m (n - 1))

depth :: [Int] -> Int
depth [] = 0
depth (x : xs) = 1 + x `mod` 2 + depth xs

main :: IO ()
main = benchPure "Recursion" $ \n ->
  show (sumTo n, depth [1 .. n], foldr (\x acc -> (x + acc) `mod` 1000003) 0 [1 .. n], ack 2 (n `div` 1000))
