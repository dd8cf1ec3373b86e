-- Double: show (shortest round-trip digits), read, and libm functions.
-- Results of transcendental functions are shown to 12 significant digits
-- so that a last-bit difference between libm implementations does not
-- count; show/read must match exactly.
import Numeric (showEFloat)

sig :: Double -> String
sig x = showEFloat (Just 11) x ""

main :: IO ()
main = do
  mapM_ print [0.1, 1 / 3, 1e300 * 1e10, -0.0, 5.0e-324, 2.2250738585072014e-308, 123456.789e3, pi]
  print (isNaN (0 / 0 :: Double), isInfinite (1 / 0 :: Double))
  mapM_ (print . (read :: String -> Double)) ["3.14159", "1e-310", "-2.5E+10", "0.125"]
  mapM_ (putStrLn . sig) [sin 1, cos 1, tan 0.5, exp 1, log 10, sqrt 2, atan2 1 (-1), 2 ** 0.5, asin 0.3, sinh 1.5, logBase 2 1000]
  print (truncate (1e10 :: Double) :: Int, round (2.5 :: Double) :: Int, floor (-1.5 :: Double) :: Int)
  print (decodeFloat (1.5 :: Double), significand (8 :: Double), exponent (8 :: Double))
  print (realToFrac (1.1 :: Double) :: Float, sqrt (2 :: Float))
