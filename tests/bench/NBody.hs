-- Double math: the n-body simulation of five planets (the benchmarks game's
-- problem), with only + - * / and sqrt, which IEEE 754 rounds exactly, so
-- the printed energies are the same on every correct machine.
-- bench-sizes: quick=100000 full=500000
{-# LANGUAGE BangPatterns #-}
import Bench
import Data.List (foldl')

data Body = Body !Double !Double !Double !Double !Double !Double !Double

solarMass, daysPerYear :: Double
solarMass = 4 * pi * pi
daysPerYear = 365.24

planets :: [Body]
planets =
  [ Body 0 0 0 0 0 0 solarMass
  , Body 4.84143144246472090e+00 (-1.16032004402742839e+00) (-1.03622044471123109e-01)
      (1.66007664274403694e-03 * daysPerYear) (7.69901118419740425e-03 * daysPerYear)
      (-6.90460016972063023e-05 * daysPerYear) (9.54791938424326609e-04 * solarMass)
  , Body 8.34336671824457987e+00 4.12479856412430479e+00 (-4.03523417114321381e-01)
      (-2.76742510726862411e-03 * daysPerYear) (4.99852801234917238e-03 * daysPerYear)
      (2.30417297573763929e-05 * daysPerYear) (2.85885980666130812e-04 * solarMass)
  , Body 1.28943695621391310e+01 (-1.51111514016986312e+01) (-2.23307578892655734e-01)
      (2.96460137564761618e-03 * daysPerYear) (2.37847173959480950e-03 * daysPerYear)
      (-2.96589568540237556e-05 * daysPerYear) (4.36624404335156298e-05 * solarMass)
  , Body 1.53796971148509165e+01 (-2.59193146099879641e+01) 1.79258772950371181e-01
      (2.68067772490389322e-03 * daysPerYear) (1.62824170038242295e-03 * daysPerYear)
      (-9.51592254519715870e-05 * daysPerYear) (5.15138902046611451e-05 * solarMass)
  ]

offset :: [Body] -> [Body]
offset bs = Body x y z (-px / solarMass) (-py / solarMass) (-pz / solarMass) m : rest
  where
    (Body x y z _ _ _ m : rest) = bs
    px = sum [vx * mm | Body _ _ _ vx _ _ mm <- bs]
    py = sum [vy * mm | Body _ _ _ _ vy _ mm <- bs]
    pz = sum [vz * mm | Body _ _ _ _ _ vz mm <- bs]

energy :: [Body] -> Double
energy bs = sum (map kinetic bs) - sum [pot a b | (i, a) <- ibs, (j, b) <- ibs, i < j]
  where
    ibs = zip [0 :: Int ..] bs
    kinetic (Body _ _ _ vx vy vz m) = 0.5 * m * (vx * vx + vy * vy + vz * vz)
    pot (Body x1 y1 z1 _ _ _ m1) (Body x2 y2 z2 _ _ _ m2) =
      let dx = x1 - x2; dy = y1 - y2; dz = z1 - z2 in m1 * m2 / sqrt (dx * dx + dy * dy + dz * dz)

advance :: Double -> [Body] -> [Body]
advance dt bs = map move (velocities bs)
  where
    move (Body x y z vx vy vz m) = Body (x + dt * vx) (y + dt * vy) (z + dt * vz) vx vy vz m
    velocities [] = []
    velocities (b : rest) =
      let (b', rest') = foldr pull (b, []) rest in b' : velocities rest'
    pull o (Body x y z vx vy vz m, done) =
      let Body ox oy oz ovx ovy ovz om = o
          dx = x - ox; dy = y - oy; dz = z - oz
          d2 = dx * dx + dy * dy + dz * dz
          mag = dt / (d2 * sqrt d2)
          !b = Body x y z (vx - dx * om * mag) (vy - dy * om * mag) (vz - dz * om * mag) m
          !o' = Body ox oy oz (ovx + dx * m * mag) (ovy + dy * m * mag) (ovz + dz * m * mag) om
       in (b, o' : done)

main :: IO ()
main = benchPure "NBody" $ \n ->
  let start = offset planets
      end = foldl' (\bs _ -> forceAll (advance 0.01 bs)) start [1 .. n]
      forceAll bs = foldr seq () [x | Body x _ _ _ _ _ _ <- bs] `seq` bs
   in show (energy start) ++ " " ++ show (energy end)
