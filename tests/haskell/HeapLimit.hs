-- Run with +RTS -M8m: keeping ever more data alive must end in GHC's
-- heap-overflow message and a non-zero status, not a crash.
import Data.List (foldl')
import qualified Data.Map.Strict as M

main :: IO ()
main = do
  putStrLn "filling the heap"
  let m = foldl' (\acc i -> M.insert i (show i) acc) M.empty [1 :: Int ..]
  print (M.size m)
