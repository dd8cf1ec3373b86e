-- Integer arithmetic on the native bignum backend (no GMP): compared digit
-- for digit with the platform GHC's output.
main :: IO ()
main = do
  let f = product [1 .. 2000 :: Integer]
      s = show f
  putStrLn ("2000! has " ++ show (length s) ++ " digits")
  putStrLn s
  print (f `div` product [1 .. 1990], f `mod` 1000000007)
  print (gcd (2 ^ 521 - 1) (2 ^ 607 - 1 :: Integer), (3 ^ 1000) `divMod` (7 ^ 300 :: Integer))
  print (negate (2 ^ 200) `quotRem` (12345678901234567890 :: Integer))
  print (read "-98765432109876543210987654321" * (2 :: Integer) ^ 64)
