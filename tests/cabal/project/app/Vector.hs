-- vector: boxed and unboxed vectors with fusion, at -O.
import qualified Data.Vector as V
import qualified Data.Vector.Unboxed as U

main :: IO ()
main = do
  let xs = U.enumFromN (1 :: Int) 1000000
  print (U.sum (U.map (\x -> x * x `mod` 7) xs))
  print (U.length (U.filter even xs), U.maximum xs)
  let v = V.fromList (words "the quick brown fox jumps over the lazy dog")
  print (V.length v, V.head v, V.last v)
  print (V.toList (V.map length v))
  print (U.toList (U.scanl' (+) 0 (U.fromList [1 .. 10 :: Int])))
  print (U.foldl' (+) 0 (U.zipWith (*) (U.replicate 10 (2.5 :: Double)) (U.enumFromN 0 10)))
