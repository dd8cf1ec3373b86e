{-# LANGUAGE TemplateHaskell #-}
-- Template Haskell with Hackage packages, the splices run at compile time
-- by halvm-cabal's compiler on the build machine: file-embed's embedFile,
-- an instance derived by a splice built on th-abstraction's
-- reifyDatatype (THDerive.hs), and splitmix (a dependency's code, with
-- its Word64 arithmetic) evaluated inside a splice.
import qualified Data.ByteString.Char8 as BC
import Data.FileEmbed (embedFile)
import Data.List (unfoldr)
import Language.Haskell.TH.Syntax (lift)
import System.Random.SplitMix (mkSMGen, nextWord64)
import THDerive (Fields (..), deriveFields)

data Vehicle = Bike | Car { seats :: Int, electric :: Bool } | Truck Double Int String

deriveFields ''Vehicle

main :: IO ()
main = do
  let embedded = $(embedFile "app/embedded.txt")
  print (BC.length embedded)
  BC.putStr embedded
  mapM_ (print . fields) [Bike, Car 4 True, Truck 7.5 2 "x"]
  print (constructors (undefined :: Vehicle))
  print ($(lift (take 3 (unfoldr (Just . nextWord64) (mkSMGen 42)))) == take 3 (unfoldr (Just . nextWord64) (mkSMGen 42)))
  print $(lift (take 3 (unfoldr (Just . nextWord64) (mkSMGen 42))))
