-- The data-structure libraries people reach for first.
{-# LANGUAGE OverloadedStrings #-}
import qualified Data.ByteString.Char8 as BC
import qualified Data.Map as M
import qualified Data.Set as S
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE

main :: IO ()
main = do
  let m = M.fromListWith (+) [(w, 1 :: Int) | w <- words "the quick brown fox jumps over the lazy dog the end"]
  print (M.toList m)
  print (M.lookup "the" m, M.lookupMin m, M.size (M.filter (> 1) m))
  print (S.toList (S.map (`mod` 7) (S.fromList [1 .. 100 :: Int])))
  let t = T.pack "Unikernels in Haskell: λ → Xen"
  print (T.length t, T.toUpper t, T.words t)
  print (T.replace "Xen" "PVH" t, T.splitOn ":" t)
  print (BC.length (TE.encodeUtf8 t), TE.decodeUtf8 (TE.encodeUtf8 t) == t)
  let b = BC.pack (concatMap show [1 .. 1000 :: Int])
  print (BC.length b, BC.count '7' b, BC.take 20 (BC.reverse b))
  print (BC.split ',' "a,b,,c", BC.readInt "12345 rest")
