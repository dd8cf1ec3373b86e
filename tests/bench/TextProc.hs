-- Text processing with Data.Text: a generated document is split into
-- words, case-mapped, replaced, counted by frequency and joined again.
-- bench-sizes: quick=40000 full=100000
import Bench
import Data.List (foldl', sortBy)
import Data.Ord (comparing, Down (..))
import qualified Data.Map.Strict as M
import qualified Data.Text as T

vocabulary :: [T.Text]
vocabulary = map T.pack (words "the quick brown fox jumps over lazy dog Haskell unikernel Xen \
  \runtime garbage collector thread mvar integer double map text array bytes élan naïve Ünïcode")

document :: Int -> T.Text
document n = T.unwords [vocabulary !! ((i * 7919 + i `div` 3) `mod` length vocabulary) | i <- [1 .. n]]

main :: IO ()
main = benchPure "TextProc" $ \n ->
  let doc = document n
      upper = T.toUpper doc
      replaced = T.replace (T.pack "FOX") (T.pack "cat") upper
      ws = T.words (T.toLower replaced)
      freq = foldl' (\m w -> M.insertWith (+) w (1 :: Int) m) M.empty ws
      top = take 3 (sortBy (comparing (Down . snd)) (M.toList freq))
      joined = T.intercalate (T.pack ",") (reverse ws)
   in show (T.length doc, length ws, M.size freq, top, T.length joined, T.count (T.pack "ï") doc)
