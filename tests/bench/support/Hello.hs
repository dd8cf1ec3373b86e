-- The image-size, boot-time and memory reference: one line, nothing else.
main :: IO ()
main = putStrLn "bench-start: Hello"
