-- Layouts and constants of C structures minlibc mirrors from glibc, as
-- hsc2hs finds them: by running a program natively (glibc), by compiling
-- for the target in cross mode (halvm-hsc2hs, minlibc). The cabal lane
-- compares the two builds' output line by line.
module Structs (table) where

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <netinet/in.h>

table :: [(String, Integer)]
table =
  [ ("sizeof(struct stat)", #size struct stat)
  , ("alignment(struct stat)", #alignment struct stat)
  , ("offsetof(struct stat, st_mode)", #offset struct stat, st_mode)
  , ("offsetof(struct stat, st_size)", #offset struct stat, st_size)
  , ("offsetof(struct stat, st_mtim)", #offset struct stat, st_mtim)
  , ("sizeof(struct timespec)", #size struct timespec)
  , ("offsetof(struct timeval, tv_usec)", #offset struct timeval, tv_usec)
  , ("sizeof(struct tm)", #size struct tm)
  , ("offsetof(struct tm, tm_year)", #offset struct tm, tm_year)
  , ("sizeof(struct iovec)", #size struct iovec)
  , ("sizeof(struct pollfd)", #size struct pollfd)
  , ("offsetof(struct pollfd, revents)", #offset struct pollfd, revents)
  , ("sizeof(struct sockaddr_in)", #size struct sockaddr_in)
  , ("offsetof(struct sockaddr_in, sin_addr)", #offset struct sockaddr_in, sin_addr)
  , ("sizeof(struct sockaddr_in6)", #size struct sockaddr_in6)
  , ("sizeof(struct sigaction)", #size struct sigaction)
  , ("sizeof(time_t)", #size time_t)
  , ("EAGAIN", #const EAGAIN)
  , ("ENOENT", #const ENOENT)
  , ("EINTR", #const EINTR)
  , ("O_NONBLOCK", #const O_NONBLOCK)
  , ("O_CREAT", #const O_CREAT)
  , ("POLLIN", #const POLLIN)
  , ("SIGINT", #const SIGINT)
  , ("AF_INET6", #const AF_INET6)
  , ("SOCK_STREAM", #const SOCK_STREAM)
  , ("CLOCK_MONOTONIC", #const CLOCK_MONOTONIC)
  , ("ETIMEDOUT", #const ETIMEDOUT)
  ]
