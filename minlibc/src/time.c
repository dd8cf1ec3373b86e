/*
 * Clocks and calendar time. REALTIME is the platform's wall clock,
 * MONOTONIC its monotonic clock; the guest is the only process and never
 * leaves the CPU except to halt, so process CPU time is the monotonic time
 * since boot (an upper bound: time halted is counted). The time zone is
 * always UTC.
 */
#include "internal.h"
#include <time.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>

char *tzname[2] = { "UTC", "UTC" };
long timezone;
int daylight;

static void ns_to_timespec(int64_t ns, struct timespec *ts)
{
    ts->tv_sec = ns / 1000000000;
    ts->tv_nsec = ns % 1000000000;
    if (ts->tv_nsec < 0) {
        ts->tv_nsec += 1000000000;
        ts->tv_sec--;
    }
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    switch (id) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
        ns_to_timespec(halvm_wallclock_ns(), ts);
        return 0;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
        ns_to_timespec((int64_t)halvm_monotonic_ns(), ts);
        return 0;
    default:
        MINLIBC_FAIL(EINVAL, -1);
    }
}

int clock_getres(clockid_t id, struct timespec *ts)
{
    struct timespec dummy;
    if (clock_gettime(id, &dummy) < 0)
        return -1;
    if (ts) {
        ts->tv_sec = 0;
        ts->tv_nsec = 1;
    }
    return 0;
}

int clock_settime(clockid_t id, const struct timespec *ts)
{
    (void)id; (void)ts;
    MINLIBC_FAIL(EPERM, -1);
}

int clock_getcpuclockid(pid_t pid, clockid_t *id)
{
    if (pid != 0 && pid != getpid())
        return ESRCH;
    *id = CLOCK_PROCESS_CPUTIME_ID;
    return 0;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    if (tv) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000;
    }
    if (tz)
        memset(tz, 0, sizeof(struct timezone));
    return 0;
}

int settimeofday(const struct timeval *tv, const struct timezone *tz)
{
    (void)tv; (void)tz;
    MINLIBC_FAIL(EPERM, -1);
}

time_t time(time_t *t)
{
    int64_t ns = halvm_wallclock_ns();
    time_t now = (time_t)(ns / 1000000000);
    if (ns < 0 && ns % 1000000000)
        now--;      /* floor, not truncation, before 1970 */
    if (t)
        *t = now;
    return now;
}

int timespec_get(struct timespec *ts, int base)
{
    if (base != TIME_UTC)
        return 0;
    clock_gettime(CLOCK_REALTIME, ts);
    return base;
}

double difftime(time_t a, time_t b) { return (double)a - (double)b; }

clock_t clock(void)
{
    return (clock_t)(halvm_monotonic_ns() / 1000);
}

static int sleep_until(uint64_t deadline, struct timespec *rem)
{
    while (halvm_monotonic_ns() < deadline)
        halvm_block_until(deadline);
    if (rem)
        rem->tv_sec = rem->tv_nsec = 0;
    return 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (req->tv_nsec < 0 || req->tv_nsec >= 1000000000 || req->tv_sec < 0)
        MINLIBC_FAIL(EINVAL, -1);
    uint64_t now = halvm_monotonic_ns();
    uint64_t span = (uint64_t)req->tv_sec * 1000000000u + (uint64_t)req->tv_nsec;
    uint64_t deadline = span > UINT64_MAX - now ? UINT64_MAX - 1 : now + span;
    return sleep_until(deadline, rem);
}

int clock_nanosleep(clockid_t id, int flags, const struct timespec *req, struct timespec *rem)
{
    if (id != CLOCK_MONOTONIC && id != CLOCK_REALTIME)
        return EINVAL;
    if (!(flags & TIMER_ABSTIME))
        return nanosleep(req, rem) < 0 ? errno : 0;
    struct timespec now;
    clock_gettime(id, &now);
    int64_t target = (int64_t)req->tv_sec * 1000000000 + req->tv_nsec;
    int64_t cur = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    if (target <= cur)
        return 0;
    return sleep_until(halvm_monotonic_ns() + (uint64_t)(target - cur), NULL);
}

unsigned int sleep(unsigned int s)
{
    struct timespec ts = { (time_t)s, 0 };
    nanosleep(&ts, NULL);
    return 0;
}

int usleep(useconds_t us)
{
    struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };
    return nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------ resources */

int getrusage(int who, struct rusage *ru)
{
    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
        MINLIBC_FAIL(EINVAL, -1);
    memset(ru, 0, sizeof *ru);
    if (who != RUSAGE_CHILDREN) {
        uint64_t ns = halvm_monotonic_ns();
        ru->ru_utime.tv_sec = (time_t)(ns / 1000000000u);
        ru->ru_utime.tv_usec = (suseconds_t)(ns % 1000000000u / 1000u);
        ru->ru_maxrss = (long)((halvm_memory_total() - halvm_memory_free()) / 1024u);
    }
    return 0;
}

clock_t times(struct tms *t)
{
    clock_t ticks = (clock_t)(halvm_monotonic_ns() / (1000000000u / 100u));
    if (t) {
        t->tms_utime = ticks;
        t->tms_stime = t->tms_cutime = t->tms_cstime = 0;
    }
    return ticks;
}

/* ------------------------------------------------------ calendar (UTC) */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), Howard Hinnant's
 * well-known civil-date formula. */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

struct tm *gmtime_r(const time_t *restrict t, struct tm *restrict tm)
{
    long secs = *t;
    long days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    tm->tm_hour = (int)(rem / 3600);
    tm->tm_min = (int)(rem % 3600 / 60);
    tm->tm_sec = (int)(rem % 60);
    tm->tm_wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
    long z = days + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = (long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    if (y - 1900 > 2147483647L || y - 1900 < -2147483647L - 1)
        MINLIBC_FAIL(EOVERFLOW, NULL);
    tm->tm_year = (int)(y - 1900);
    tm->tm_mon = (int)m - 1;
    tm->tm_mday = (int)d;
    tm->tm_yday = (int)(days - days_from_civil(y, 1, 1));
    tm->tm_isdst = 0;
    tm->tm_gmtoff = 0;
    tm->tm_zone = "UTC";
    return tm;
}

struct tm *localtime_r(const time_t *restrict t, struct tm *restrict tm)
{
    return gmtime_r(t, tm);
}

static struct tm static_tm;
struct tm *gmtime(const time_t *t) { return gmtime_r(t, &static_tm); }
struct tm *localtime(const time_t *t) { return gmtime_r(t, &static_tm); }

time_t timegm(struct tm *tm)
{
    /* normalise month overflow first, then let days carry the rest */
    long mon = tm->tm_mon, year = (long)tm->tm_year + 1900;
    year += mon / 12;
    mon %= 12;
    if (mon < 0) {
        mon += 12;
        year--;
    }
    long days = days_from_civil(year, (unsigned)mon + 1, 1) + tm->tm_mday - 1;
    time_t t = (time_t)days * 86400 + (time_t)tm->tm_hour * 3600 + (time_t)tm->tm_min * 60 + tm->tm_sec;
    gmtime_r(&t, tm);
    return t;
}

time_t mktime(struct tm *tm) { return timegm(tm); }
void tzset(void) { }

static const char wday_name[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char mon_name[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

char *asctime_r(const struct tm *restrict tm, char *restrict buf)
{
    if (tm->tm_wday < 0 || tm->tm_wday > 6 || tm->tm_mon < 0 || tm->tm_mon > 11)
        MINLIBC_FAIL(EOVERFLOW, NULL);
    /* 26 bytes, the size POSIX requires callers to provide */
    if (snprintf(buf, 26, "%.3s %.3s%3d %.2d:%.2d:%.2d %d\n", wday_name[tm->tm_wday],
                 mon_name[tm->tm_mon], tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec,
                 1900 + tm->tm_year) >= 26)
        MINLIBC_FAIL(EOVERFLOW, NULL);
    return buf;
}

char *ctime_r(const time_t *t, char *buf)
{
    struct tm tm;
    if (!localtime_r(t, &tm))
        return NULL;
    return asctime_r(&tm, buf);
}

static char static_asctime[26];
char *asctime(const struct tm *tm) { return asctime_r(tm, static_asctime); }
char *ctime(const time_t *t) { return ctime_r(t, static_asctime); }

size_t strftime(char *restrict s, size_t max, const char *restrict fmt, const struct tm *restrict tm)
{
    size_t n = 0;
    char tmp[64];
    for (; *fmt; fmt++) {
        const char *piece = tmp;
        size_t len;
        if (*fmt != '%') {
            tmp[0] = *fmt;
            len = 1;
        } else {
            fmt++;
            switch (*fmt) {
            case 'a': piece = wday_name[tm->tm_wday % 7]; len = 3; break;
            case 'b': case 'h': piece = mon_name[tm->tm_mon % 12]; len = 3; break;
            case 'Y': len = (size_t)snprintf(tmp, sizeof tmp, "%d", tm->tm_year + 1900); break;
            case 'y': len = (size_t)snprintf(tmp, sizeof tmp, "%02d", (tm->tm_year + 1900) % 100); break;
            case 'm': len = (size_t)snprintf(tmp, sizeof tmp, "%02d", tm->tm_mon + 1); break;
            case 'd': len = (size_t)snprintf(tmp, sizeof tmp, "%02d", tm->tm_mday); break;
            case 'e': len = (size_t)snprintf(tmp, sizeof tmp, "%2d", tm->tm_mday); break;
            case 'H': len = (size_t)snprintf(tmp, sizeof tmp, "%02d", tm->tm_hour); break;
            case 'M': len = (size_t)snprintf(tmp, sizeof tmp, "%02d", tm->tm_min); break;
            case 'S': len = (size_t)snprintf(tmp, sizeof tmp, "%02d", tm->tm_sec); break;
            case 'j': len = (size_t)snprintf(tmp, sizeof tmp, "%03d", tm->tm_yday + 1); break;
            case 'F': len = (size_t)snprintf(tmp, sizeof tmp, "%d-%02d-%02d", tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday); break;
            case 'T': len = (size_t)snprintf(tmp, sizeof tmp, "%02d:%02d:%02d", tm->tm_hour, tm->tm_min, tm->tm_sec); break;
            case 'z': piece = "+0000"; len = 5; break;
            case 'Z': piece = "UTC"; len = 3; break;
            case 's': {
                struct tm c = *tm;
                len = (size_t)snprintf(tmp, sizeof tmp, "%ld", (long)timegm(&c));
                break;
            }
            case 'n': piece = "\n"; len = 1; break;
            case 't': piece = "\t"; len = 1; break;
            case '%': piece = "%"; len = 1; break;
            default:
                /* unsupported conversion: copied verbatim like glibc */
                tmp[0] = '%';
                tmp[1] = *fmt;
                len = *fmt ? 2 : 1;
                if (!*fmt)
                    fmt--;
                break;
            }
        }
        if (n + len >= max)
            return 0;
        memcpy(s + n, piece, len);
        n += len;
    }
    if (n >= max)
        return 0;
    s[n] = 0;
    return n;
}
