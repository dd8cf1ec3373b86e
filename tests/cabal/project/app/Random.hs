-- random 1.2 on splitmix: a fixed seed gives the same numbers on every
-- platform; a generator seeded from the system must start at all.
import System.Random
import System.Random.SplitMix (mkSMGen, nextWord64)

main :: IO ()
main = do
  let g = mkStdGen 2024
  print (take 10 (randomRs (1 :: Int, 100) g))
  print (fst (randomR (0, 1 :: Double) g))
  print (fst (uniformR ('a', 'z') g))
  print (fst (nextWord64 (mkSMGen 42)))
  let (left, right) = split g
  print (fst (random left :: (Int, StdGen)) /= fst (random right :: (Int, StdGen)))
  seeded <- initStdGen
  let (die, _) = uniformR (1 :: Int, 6) seeded
  putStrLn ("a system-seeded die shows 1..6: " ++ show (die >= 1 && die <= 6))
