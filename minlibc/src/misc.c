/* Small arithmetic and pseudo-random helpers from <stdlib.h>. */
#include <stdlib.h>
#include <inttypes.h>

int abs(int v) { return v < 0 ? -v : v; }
long labs(long v) { return v < 0 ? -v : v; }
long long llabs(long long v) { return v < 0 ? -v : v; }
intmax_t imaxabs(intmax_t v) { return v < 0 ? -v : v; }
div_t div(int a, int b) { div_t r = { a / b, a % b }; return r; }
ldiv_t ldiv(long a, long b) { ldiv_t r = { a / b, a % b }; return r; }
lldiv_t lldiv(long long a, long long b) { lldiv_t r = { a / b, a % b }; return r; }
imaxdiv_t imaxdiv(intmax_t a, intmax_t b) { imaxdiv_t r = { a / b, a % b }; return r; }

/* rand/random: a 64-bit linear congruential generator (Knuth's MMIX
 * constants), returning the high 31 bits. */
static uint64_t rand_state = 1;

static int next(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (int)(*s >> 33);
}

int rand(void) { return next(&rand_state); }
void srand(unsigned int seed) { rand_state = seed; }
long random(void) { return next(&rand_state); }
void srandom(unsigned int seed) { rand_state = seed; }

int rand_r(unsigned int *seed)
{
    uint64_t s = *seed;
    int r = next(&s);
    *seed = (unsigned int)s;
    return r;
}
