{-# LANGUAGE QuasiQuotes, TemplateHaskell #-}
-- Template Haskell splices of increasing difficulty (issue 15), run at
-- compile time on the build machine; the image prints what they computed.
-- The compile-time code is in TemplateHaskell/Splices.hs.
import qualified Data.Map as M
import TemplateHaskell.Splices

data Shape = Circle Double | Rect Double Double | Dot | Labelled { label :: String, inner :: Shape }

deriveDescribe ''Shape

main :: IO ()
main = do
  print [shout|a quasi quoted expression|]
  let table = $(factorialTable 30)
  print (length table, last table, sum table)
  let counts = $(digitCounts 1000)
  print (M.toList counts, M.foldr (+) 0 counts)
  mapM_ (putStrLn . describeShape) [Circle 1, Rect 2 3, Dot, Labelled "x" Dot]
  print constructorsShape
  mapM_ putStrLn $(embedLines "TemplateHaskell/data.txt")
