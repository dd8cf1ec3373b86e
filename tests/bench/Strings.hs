-- String (list of Char) processing, the way much Haskell code still
-- handles text: show, read, words, lines and a run-length encoding.
-- bench-sizes: quick=6000 full=30000
import Bench
import Data.Char (isDigit, toUpper)
import Data.List (group, sort)

main :: IO ()
main = benchPure "Strings" $ \n ->
  let ls = [show i ++ " " ++ show (i * i `mod` 997) ++ " item" | i <- [1 .. n]]
      doc = unlines ls
      parsed = sum [read a + read b :: Int | l <- lines doc, (a : b : _) <- [words l]]
      rle = map (\g -> (head g, length g)) (group (sort (filter isDigit doc)))
      shout = length (filter (== 'I') (map toUpper doc))
   in show (length doc, parsed, rle, shout)
