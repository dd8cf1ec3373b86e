{-# LANGUAGE TemplateHaskell #-}
-- The compile-time code of TemplateHaskell.hs (a splice may only use
-- functions of other modules). halvm-ghc runs it on the build machine, in
-- the interpreter of toolchain/iserv, from the objects halvm-ghc compiled.
module TemplateHaskell.Splices
  ( shout
  , factorialTable
  , digitCounts
  , deriveDescribe
  , embedLines
  ) where

import Data.Char (isDigit, toUpper)
import qualified Data.Map as M
import Language.Haskell.TH
import Language.Haskell.TH.Quote (QuasiQuoter (..))
import Language.Haskell.TH.Syntax (addDependentFile, lift)

-- [shout|some words|]: the text in capitals and its word count.
shout :: QuasiQuoter
shout = QuasiQuoter
  { quoteExp = \s -> let ws = words s in [| (map toUpper (unwords ws), length ws) |]
  , quotePat = const (fail "shout: expressions only")
  , quoteType = const (fail "shout: expressions only")
  , quoteDec = const (fail "shout: expressions only")
  }

-- n! for n = 0..k, as Integers computed at compile time.
factorialTable :: Integer -> Q Exp
factorialTable k = lift (scanl (*) 1 [1 .. k])

-- How often each digit occurs in the decimal form of 2^e, a Data.Map
-- built at compile time and spliced in as its association list.
digitCounts :: Integer -> Q Exp
digitCounts e = do
  let m = M.fromListWith (+) [(d, 1 :: Int) | d <- show (2 ^ e :: Integer), isDigit d]
  [| M.fromList $(lift (M.toList m)) |]

-- For a data type T: describeT :: T -> String (constructor name and field
-- count, from reify) and constructorsT :: [String].
deriveDescribe :: Name -> Q [Dec]
deriveDescribe ty = do
  TyConI (DataD _ _ _ _ cons _) <- reify ty
  let base = nameBase ty
      describe = mkName ("describe" ++ base)
      names = mkName ("constructors" ++ base)
      info c = case c of
        NormalC n fs -> (n, length fs)
        RecC n fs -> (n, length fs)
        InfixC _ n _ -> (n, 2)
        _ -> error "deriveDescribe: unsupported constructor"
      clause' (n, k) =
        Clause [RecP n []] (NormalB (LitE (StringL (nameBase n ++ " with " ++ show k ++ " field(s)")))) []
  sig <- sigD describe [t| $(conT ty) -> String |]
  let fun = FunD describe (map (clause' . info) cons)
  list <- valD (varP names) (normalB (lift (map (nameBase . fst . info) cons))) []
  return [sig, fun, list]

-- The lines of a file next to the module that uses the splice, read at
-- compile time; the module is recompiled when the file changes.
embedLines :: FilePath -> Q Exp
embedLines name = do
  here <- loc_filename <$> location
  let path = directoryOf here ++ name
  addDependentFile path
  text <- runIO (readFile path)
  length text `seq` lift (lines text)
  where
    directoryOf = reverse . dropWhile (/= '/') . reverse
