-- Run with +RTS -K1m: deep non-tail recursion must end in GHC's stack
-- overflow message and a non-zero status, not a crash.
main :: IO ()
main = do
  putStrLn "recursing"
  print (deep 10000000)

deep :: Int -> Int
deep 0 = 0
deep n = 1 + deep (n - 1)
