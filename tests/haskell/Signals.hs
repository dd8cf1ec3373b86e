-- Signals inside the guest, and the toolstack's shutdown request.
--
-- Without arguments (every lane, compared with Linux): a handler installed
-- with System.Posix.Signals runs when the program raises its signal, a
-- one-shot handler runs once, and an ignored signal does nothing.
--
-- With one argument (the domU lane, where dom0 runs `xl shutdown`):
--   await-shutdown  waits in threadDelay inside `finally`; the request
--                   arrives as UserInterrupt, the finally handler runs,
--                   the program catches it and exits with status 7;
--   sigterm-handler installs a SIGTERM handler, which the request runs
--                   instead, and exits 0 from it;
--   ignore-shutdown ignores SIGINT, so the request finds no handler and
--                   the platform stops the guest after its grace period.
import Control.Concurrent
import Control.Exception
import Control.Monad
import System.Environment
import System.Exit
import System.IO
import System.Posix.Signals

main :: IO ()
main = do
  hSetBuffering stdout LineBuffering
  args <- getArgs
  case args of
    [] -> raiseOwnSignals
    ["await-shutdown"] -> awaitShutdown
    ["sigterm-handler"] -> sigtermHandler
    ["ignore-shutdown"] -> ignoreShutdown
    _ -> die ("unknown mode " ++ show args)

raiseOwnSignals :: IO ()
raiseOwnSignals = do
  ran <- newEmptyMVar
  _ <- installHandler sigUSR1 (Catch (putMVar ran "SIGUSR1")) Nothing
  raiseSignal sigUSR1
  takeMVar ran >>= putStrLn . ("handler ran for " ++)
  raiseSignal sigUSR1
  takeMVar ran >>= putStrLn . ("handler ran again for " ++)

  _ <- installHandler sigUSR2 (CatchOnce (putMVar ran "SIGUSR2")) Nothing
  raiseSignal sigUSR2
  takeMVar ran >>= putStrLn . ("one-shot handler ran for " ++)

  _ <- installHandler sigHUP Ignore Nothing
  raiseSignal sigHUP
  putStrLn "ignored SIGHUP"

  previous <- installHandler sigUSR1 Default Nothing
  putStrLn ("SIGUSR1 had a handler: " ++ show (isCatch previous))
  putStrLn "signals: done"
  where
    isCatch (Catch _) = True
    isCatch _ = False

awaitShutdown :: IO ()
awaitShutdown = do
  putStrLn "waiting for shutdown"
  result <- try (threadDelay (600 * 1000000) `finally` putStrLn "finally handler ran")
  case result of
    Left UserInterrupt -> do
      putStrLn "interrupted: exiting with status 7"
      exitWith (ExitFailure 7)
    Left other -> throwIO other
    Right () -> putStrLn "not interrupted within 600 s"

sigtermHandler :: IO ()
sigtermHandler = do
  main <- myThreadId
  _ <- installHandler sigTERM (Catch (putStrLn "SIGTERM handler ran" >> throwTo main ExitSuccess)) Nothing
  putStrLn "waiting for shutdown"
  forever (threadDelay 1000000)

ignoreShutdown :: IO ()
ignoreShutdown = do
  _ <- installHandler sigINT Ignore Nothing
  putStrLn "ignoring shutdown"
  forever (threadDelay 1000000)
