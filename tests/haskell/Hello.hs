-- The smallest program: one line on the console, exit status 0.
main :: IO ()
main = putStrLn "Hello from a Haskell unikernel!"
